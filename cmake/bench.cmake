# The benchmark driver bench/ftpbench.c (bench/run.py times it against curl and ftplib),
# built with the examples; ctest runs the benchmark's short smoke mode so it cannot rot
# (it reports timings, it asserts none).
if(LIBFTP_BUILD_EXAMPLES)
  add_executable(ftpbench "${CMAKE_CURRENT_SOURCE_DIR}/bench/ftpbench.c" ${LIBFTP_EXAMPLE_COMMON})
  target_include_directories(ftpbench PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/examples-c/common")
  target_compile_options(ftpbench PRIVATE -Wall -Wextra)
  target_link_libraries(ftpbench PRIVATE ftp Threads::Threads)
  # Runs each measured command: a small parent keeps the peak RSS figure honest.
  add_executable(ftpbench_rusage "${CMAKE_CURRENT_SOURCE_DIR}/bench/rusage.c")
  target_compile_options(ftpbench_rusage PRIVATE -Wall -Wextra)
  if(LIBFTP_BUILD_TESTS)
    find_package(Python3 REQUIRED COMPONENTS Interpreter)
    add_test(NAME bench_smoke
      COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_SOURCE_DIR}/bench/run.py" --smoke
              --build-dir "${CMAKE_CURRENT_BINARY_DIR}" --out "${CMAKE_CURRENT_BINARY_DIR}/bench-smoke")
    # It starts servers of its own, which set the test users' home directories: never
    # while the shared servers run (after their stop), nor beside any other test.
    set_tests_properties(bench_smoke PROPERTIES RUN_SERIAL TRUE DEPENDS servers_stop)
  endif()
endif()
