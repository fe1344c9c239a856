# ABI check: the exported functions and their version nodes are recorded in
# cmake/libftp.symbols; abi_symbols fails when one disappears or changes version
# without a SONAME bump, or when a new one is not recorded yet. abi_check_catches_removal
# proves the check can fail: it runs it against the list plus a symbol the library
# does not export.
if(LIBFTP_BUILD_TESTS)
  set(_abi_env "NM=${CMAKE_NM};READELF=${CMAKE_READELF}")
  add_test(NAME abi_symbols
    COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/tests/checks/check-abi.sh" $<TARGET_FILE:ftp>
            "${CMAKE_CURRENT_SOURCE_DIR}/cmake/libftp.symbols")
  add_test(NAME abi_check_catches_removal
    COMMAND bash -c "f=$(mktemp) && cat \"$1\" > \"$f\" && echo ftp_gone@ftp_1.0 >> \"$f\" && bash \"$2\" \"$3\" \"$f\"; rc=$?; rm -f \"$f\"; exit $rc"
            abi "${CMAKE_CURRENT_SOURCE_DIR}/cmake/libftp.symbols" "${CMAKE_CURRENT_SOURCE_DIR}/tests/checks/check-abi.sh"
            $<TARGET_FILE:ftp>)
  set_tests_properties(abi_symbols abi_check_catches_removal PROPERTIES ENVIRONMENT "${_abi_env}")
  # Passes only on the checker's own verdict, not on any failure (a crash, say).
  set_tests_properties(abi_check_catches_removal PROPERTIES PASS_REGULAR_EXPRESSION "removed or re-versioned")
endif()
