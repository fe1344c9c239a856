# Packaging: the Debian packages (debian/), built with dpkg-buildpackage from a copy of the
# sources with vendored crates and no network, checked by tests/drivers/debian.sh (needs
# dpkg-dev and debhelper); the RPMs of rpm/libftp.spec, built likewise with rpmbuild by
# tests/drivers/rpm.sh (needs Debian's rpm); cargo-c; and the offline build from vendored crates
# (docs/packaging.md). The package builds need root (unshare -n): they skip without it
# outside CI.
if(LIBFTP_BUILD_TESTS)
  add_test(NAME debian_package COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/tests/drivers/debian.sh")
  add_test(NAME rpm_package COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/tests/drivers/rpm.sh")
  set_tests_properties(debian_package rpm_package PROPERTIES SKIP_RETURN_CODE 77)
endif()

# cargo cinstall gives the same names (cargo-c: tests/setup-debian.sh builds it into a cache).
if(LIBFTP_BUILD_TESTS)
  add_test(NAME cargo_c_install COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/tests/drivers/cargo-c.sh")
  set_tests_properties(cargo_c_install PROPERTIES SKIP_RETURN_CODE 77
    ENVIRONMENT "CARGO_C_TARGET_DIR=${CMAKE_CURRENT_BINARY_DIR}/cargo-c")
endif()

# cargo vendor, then build and install without network (unshare -n) through CMake and
# through cargo-c (with the cargo-c of cargo_c_install).
if(LIBFTP_BUILD_TESTS)
  foreach(mode cmake cargo-c)
    string(REPLACE "-" "_" _name "offline_build_${mode}")
    add_test(NAME ${_name} COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/tests/drivers/offline-build.sh" ${mode})
    set_tests_properties(${_name} PROPERTIES SKIP_RETURN_CODE 77 ENVIRONMENT "CMAKE=${CMAKE_COMMAND}")
  endforeach()
endif()
