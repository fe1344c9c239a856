# Packaging: the Debian packages (debian/), built with dpkg-buildpackage from a copy of the
# sources and checked by tests/debian.sh. Needs dpkg-dev and debhelper.
if(LIBFTP_BUILD_TESTS)
  add_test(NAME debian_package COMMAND bash "${CMAKE_SOURCE_DIR}/tests/debian.sh")
endif()
