# The C tests again, under AddressSanitizer + UBSan (LIBFTP_SANITIZE: each test_X also
# builds as test_X_asan) and under valgrind memcheck (LIBFTP_VALGRIND: ctest
# test_X_valgrind). Both must report no error and no leak. The library itself is the
# ordinary build (release in tests/run.sh): the sanitizers check what the C side does with it (every
# pointer and buffer crossing the API) and, since Rust allocates with malloc, leaks and
# heap misuse on either side.
option(LIBFTP_SANITIZE "Also build and run the C tests with -fsanitize=address,undefined" OFF)
option(LIBFTP_VALGRIND "Also run the C tests under valgrind memcheck" OFF)

if(LIBFTP_BUILD_TESTS AND (LIBFTP_SANITIZE OR LIBFTP_VALGRIND))
  set(LIBFTP_SUPPRESSIONS "${CMAKE_CURRENT_SOURCE_DIR}/tests/sanitizers")
  foreach(src IN LISTS LIBFTP_C_TESTS)
    get_filename_component(name "${src}" NAME_WE)
    if(name IN_LIST LIBFTP_C_TESTS_NO_SANITIZERS)
      continue()
    endif()
    if(LIBFTP_SANITIZE)
      libftp_c_test_sources("${src}" srcs)
      add_executable(${name}_asan ${srcs})
      target_include_directories(${name}_asan PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/tests/c")
      target_compile_options(${name}_asan PRIVATE -Wall -Wextra -Werror -g -O1
        -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
      target_link_options(${name}_asan PRIVATE -fsanitize=address,undefined)
      target_link_libraries(${name}_asan PRIVATE ftp Threads::Threads)
      add_test(NAME ${name}_asan COMMAND ${name}_asan)
      set_tests_properties(${name}_asan PROPERTIES SKIP_RETURN_CODE 77
        ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1;UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1;LSAN_OPTIONS=suppressions=${LIBFTP_SUPPRESSIONS}/lsan.supp:print_suppressions=0")
      if(name MATCHES "^test_live_")
        libftp_uses_servers(${name}_asan)
      endif()
    endif()

    if(LIBFTP_VALGRIND)
      find_program(VALGRIND valgrind REQUIRED)
      add_test(NAME ${name}_valgrind
        COMMAND "${VALGRIND}" --quiet --error-exitcode=99 --leak-check=full
                --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
                --suppressions=${LIBFTP_SUPPRESSIONS}/valgrind.supp
                $<TARGET_FILE:${name}>)
      set_tests_properties(${name}_valgrind PROPERTIES SKIP_RETURN_CODE 77)
      if(name MATCHES "^test_live_")
        libftp_uses_servers(${name}_valgrind)
      endif()
    endif()
  endforeach()
  # Under valgrind the pool test runs against vsftpd and unftp only, plain and FTPS (4
  # of its 13 rows, the same code paths; the plain build runs them all): valgrind
  # makes each row about 20 times slower.
  if(LIBFTP_VALGRIND AND TEST test_live_pool_valgrind)
    set_property(TEST test_live_pool_valgrind APPEND PROPERTY ENVIRONMENT "T_ONLY=vsftpd,unftp")
  endif()
endif()
