# Packaging: the Debian packages (debian/), built with dpkg-buildpackage from a copy of the
# sources and checked by tests/debian.sh (needs dpkg-dev and debhelper); and cargo-c.
if(LIBFTP_BUILD_TESTS)
  add_test(NAME debian_package COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/tests/debian.sh")
endif()

# cargo cinstall gives the same names (skipped where cargo-c is not installed).
if(LIBFTP_BUILD_TESTS)
  add_test(NAME cargo_c_install COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/tests/cargo-c.sh")
  set_tests_properties(cargo_c_install PROPERTIES SKIP_RETURN_CODE 77
    ENVIRONMENT "CARGO_C_TARGET_DIR=${CMAKE_CURRENT_BINARY_DIR}/cargo-c")
endif()
