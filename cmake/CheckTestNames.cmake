# cmake -DTESTS_DIR=<dir> -P CheckTestNames.cmake
#
# Fails when a doctest TEST_CASE name would be mangled by ctest's
# doctest_discover_tests, which passes names through CMake lists:
#   - '[' anywhere breaks discovery of the whole executable;
#   - ';' anywhere splits the name into ctest entries that match no test
#     case, so they "pass" without running anything;
#   - ',' in a test with decorators (doctest::test_suite(...)) makes it lose
#     its labels, so the tsan stage, which runs the label "concurrent",
#     would silently skip it.
file(GLOB_RECURSE sources "${TESTS_DIR}/*.cc")
set(bad "")
foreach(source IN LISTS sources)
  file(READ "${source}" text)
  string(REGEX MATCHALL "TEST_CASE\\(\"[^\"]*\\[[^\"]*\"" bracketed "${text}")
  # A match holding ';' would be split by the list it lands in: replace it.
  string(REPLACE ";" "<semicolon>" text "${text}")
  string(REGEX MATCHALL "TEST_CASE\\(\"[^\"]*<semicolon>[^\"]*\"" split "${text}")
  string(REGEX MATCHALL "TEST_CASE\\(\"[^\"]*,[^\"]*\"[ \t\r\n]*\\*" decorated "${text}")
  foreach(match IN LISTS bracketed split decorated)
    string(APPEND bad "\n  ${source}: ${match}")
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "TEST_CASE names with '[' or ';', or with ',' and decorators:${bad}")
endif()
message(STATUS "TEST_CASE names: none that doctest_discover_tests would mangle")
