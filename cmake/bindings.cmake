# Other languages: the C++17 RAII test, the Go and Zig bindings' tests and the docs'
# quick starts (each built and run against the real servers).
if(LIBFTP_BUILD_TESTS)
  add_executable(test_raii "${CMAKE_CURRENT_SOURCE_DIR}/tests/cxx/test_raii.cpp")
  set_target_properties(test_raii PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF)
  target_compile_options(test_raii PRIVATE -Wall -Wextra -pedantic -Werror)
  target_link_libraries(test_raii PRIVATE ftp)
  add_test(NAME test_raii COMMAND test_raii)
  set_tests_properties(test_raii PROPERTIES SKIP_RETURN_CODE 77)
  libftp_uses_servers(test_raii)
endif()

# Go and Zig bindings and the docs' quick starts, each against an install of this
# build in a temporary prefix, found through pkg-config (tests/drivers/bindings.sh).
if(LIBFTP_BUILD_TESTS)
  foreach(what go go-consumer zig zig-package docs)
    set(name "${what}_binding")
    if(what STREQUAL "docs")
      set(name "docs_quickstarts")
    elseif(what STREQUAL "go-consumer")
      set(name "go_consumer")
    elseif(what STREQUAL "zig-package")
      # A Zig project outside the checkout that depends on bindings/zig as
      # docs/quickstart.md says.
      set(name "zig_package")
    endif()
    add_test(NAME ${name}
      COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/tests/drivers/bindings.sh" ${what} "${CMAKE_CURRENT_BINARY_DIR}")
    libftp_uses_servers(${name})
  endforeach()
endif()

# Every exported ftp_* function is reachable from Go or Zig, or a listed omission.
if(LIBFTP_BUILD_TESTS)
  add_test(NAME binding_coverage
    COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/tests/drivers/binding-coverage.sh" "${CMAKE_CURRENT_SOURCE_DIR}")
endif()
