# Section 3 man pages, generated from the doc comments of include/ftp.h by
# cmake/gen-man.py (one page per function, and ftp(3) for the overview), installed to
# ${CMAKE_INSTALL_MANDIR}/man3. The test renders every page with groff, warnings as
# errors, and checks each exported function has its page.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(LIBFTP_MAN_DIR "${CMAKE_CURRENT_BINARY_DIR}/man/man3")
add_custom_command(
  OUTPUT "${LIBFTP_MAN_DIR}/ftp.3"
  COMMAND "${CMAKE_COMMAND}" -E rm -rf "${LIBFTP_MAN_DIR}"
  COMMAND Python3::Interpreter "${CMAKE_CURRENT_SOURCE_DIR}/cmake/gen-man.py"
          "${CMAKE_CURRENT_SOURCE_DIR}/include/ftp.h" "${LIBFTP_MAN_DIR}" "${PROJECT_VERSION}"
  DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/include/ftp.h" "${CMAKE_CURRENT_SOURCE_DIR}/cmake/gen-man.py"
  COMMENT "Man pages from ftp.h")
add_custom_target(man ALL DEPENDS "${LIBFTP_MAN_DIR}/ftp.3")
install(DIRECTORY "${LIBFTP_MAN_DIR}" DESTINATION "${CMAKE_INSTALL_MANDIR}"
  FILES_MATCHING PATTERN "*.3")

if(LIBFTP_BUILD_TESTS)
  add_test(NAME man_pages
    COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/tests/checks/check-man.sh" "${LIBFTP_MAN_DIR}" $<TARGET_FILE:ftp>)
  set_tests_properties(man_pages PROPERTIES ENVIRONMENT "NM=${CMAKE_NM}")
endif()
