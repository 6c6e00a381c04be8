# cmake -DTOOL=path -DARGS="a|b|c" -P run_tool.cmake
# Runs a tool from tests/web/node_modules; fails with the way to install it
# when it is missing, so a web check never passes by not running.
if(NOT EXISTS ${TOOL})
  message(FATAL_ERROR "${TOOL} is missing: run scripts/test.sh, or npm ci in tests/web")
endif()
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND ${TOOL} ${args} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${TOOL} failed (${rc})")
endif()
