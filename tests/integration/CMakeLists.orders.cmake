# The ledger's integration tests (included by CMakeLists.txt): the orders
# API against the real kisgw + kis-sim, and the kill -9 crash-safety test.
add_executable(test_orders_api orders_api.c)
target_link_libraries(test_orders_api PRIVATE harness kiscommon PkgConfig::CMOCKA Threads::Threads)
add_dependencies(test_orders_api kisgw kis-sim)
add_test(NAME integration_orders COMMAND test_orders_api)
set_tests_properties(integration_orders PROPERTIES TIMEOUT 180)

if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/orders_crash.c)
  add_executable(test_orders_crash orders_crash.c)
  target_link_libraries(test_orders_crash PRIVATE harness kiscommon PkgConfig::CMOCKA
    Threads::Threads)
  add_dependencies(test_orders_crash kisgw kis-sim)
  add_test(NAME integration_orders_crash COMMAND test_orders_crash)
  set_tests_properties(integration_orders_crash PROPERTIES TIMEOUT 240)
endif()
