# cmake -DTESTS_DIR=<dir> -P CheckTestNames.cmake
#
# Fails when a doctest TEST_CASE name would be mangled by ctest's
# doctest_discover_tests, which passes names through CMake lists:
#   - '[' anywhere breaks discovery of the whole executable;
#   - ',' or ';' in a test with decorators (doctest::test_suite(...)) makes
#     it lose its labels, so the tsan stage, which runs the label
#     "concurrent", would silently skip it.
file(GLOB_RECURSE sources "${TESTS_DIR}/*.cc")
set(bad "")
foreach(source IN LISTS sources)
  file(READ "${source}" text)
  string(REGEX MATCHALL "TEST_CASE\\(\"[^\"]*\\[[^\"]*\"" bracketed "${text}")
  string(REGEX MATCHALL "TEST_CASE\\(\"[^\"]*[,;][^\"]*\"[ \t\r\n]*\\*" decorated "${text}")
  foreach(match IN LISTS bracketed decorated)
    string(APPEND bad "\n  ${source}: ${match}")
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "TEST_CASE names with '[', or with ',' or ';' and decorators:${bad}")
endif()
message(STATUS "TEST_CASE names: none that doctest_discover_tests would mangle")
