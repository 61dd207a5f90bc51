# cmake -DDOCUMENT=<openapi.json> -DCONFIG=<redocly.yaml> [-DREDOCLY=<path>]
#       -P RedoclyLint.cmake
#
# The ctest openapi_lint: runs `redocly lint` (@redocly/cli) on DOCUMENT and
# fails when it reports an error, or when the tool is missing (a missing
# validator must never pass as a clean document). The tool is the
# environment's MARQUEE_REDOCLY, else -DREDOCLY (the cache variable
# MARQUEE_REDOCLY); scripts/test installs it under build/tools/redocly.
set(redocly "$ENV{MARQUEE_REDOCLY}")
if(redocly STREQUAL "")
  set(redocly "${REDOCLY}")
endif()
if(redocly STREQUAL "" OR NOT EXISTS "${redocly}")
  message(FATAL_ERROR
    "openapi_lint: @redocly/cli not found (MARQUEE_REDOCLY='${redocly}'). scripts/test installs "
    "it; by hand: `npm install --prefix build/tools/redocly @redocly/cli@1.34.20` (needs the "
    "`docs` group of scripts/install-deps: nodejs, npm), then set MARQUEE_REDOCLY="
    "build/tools/redocly/node_modules/.bin/redocly in the environment or the CMake cache.")
endif()
execute_process(
  COMMAND "${redocly}" lint --config "${CONFIG}" "${DOCUMENT}"
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "openapi_lint: redocly lint found problems in ${DOCUMENT} (exit ${result})")
endif()
