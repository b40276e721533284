# Installation layout and the Debian package.
#
#   cmake -B build -DCMAKE_INSTALL_PREFIX=/usr && cmake --build build
#   cmake --install build            # or: cd build && cpack -G DEB
#
# Layout under the prefix: bin/proof, share/proof/public/, share/doc/proof/; the example
# config in SYSCONFDIR/proof/ (/etc/proof for the /usr prefix); the systemd units in
# PROOF_SYSTEMD_UNIT_DIR. The binary and the units have these paths compiled in, so the
# prefix given at configure time is the one the files must end up under.

set(PROOF_CONFIG_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/proof")
set(PROOF_INSTALL_BINARY "${CMAKE_INSTALL_FULL_BINDIR}/proof")
set(PROOF_INSTALL_DOCDIR "${CMAKE_INSTALL_FULL_DOCDIR}")

# systemd's own answer (/lib/systemd/system on Debian 12) for the system prefix; under any
# other prefix the units stay inside it, in PREFIX/lib/systemd/system, a directory systemd
# also searches for /usr/local.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  pkg_get_variable(_proof_systemd_unit_dir systemd systemdsystemunitdir)
endif()
if(NOT _proof_systemd_unit_dir)
  set(_proof_systemd_unit_dir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
set(PROOF_SYSTEMD_UNIT_DIR "${_proof_systemd_unit_dir}" CACHE PATH
    "Where the systemd units are installed")

foreach(_unit proof.service proof@.service)
  configure_file(systemd/${_unit}.in ${CMAKE_CURRENT_BINARY_DIR}/systemd/${_unit} @ONLY)
endforeach()
foreach(_script postinst prerm postrm)
  configure_file(systemd/deb/${_script}.in ${CMAKE_CURRENT_BINARY_DIR}/deb/${_script} @ONLY
                 FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
                 GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()
# dpkg keeps an admin's edits to files listed here across upgrades.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/deb/conffiles "${PROOF_CONFIG_DIR}/proof.conf.example\n")

install(TARGETS proof RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY public/ DESTINATION ${CMAKE_INSTALL_DATADIR}/proof/public)
install(FILES proof.conf.example DESTINATION ${PROOF_CONFIG_DIR})
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/systemd/proof.service
              ${CMAKE_CURRENT_BINARY_DIR}/systemd/proof@.service
        DESTINATION ${PROOF_SYSTEMD_UNIT_DIR})
foreach(_doc docs/deploy.md docs/nginx-proof.conf docs/Caddyfile)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${_doc})
    install(FILES ${_doc} DESTINATION ${CMAKE_INSTALL_DOCDIR})
  endif()
endforeach()

set(CPACK_PACKAGE_NAME proof)
set(CPACK_PACKAGE_VENDOR "proof")
set(CPACK_PACKAGE_CONTACT "proof maintainers <proof@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "proof shows visitors of a site that others just signed up: signups POSTed with an API\n"
    "key are broadcast to every open page over Server-Sent Events, where a small widget\n"
    "shows them. Ships a hardened systemd unit (proof.service, proof@SITE.service).")
string(REPLACE ";" "" CPACK_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_GENERATOR DEB)
# The package holds the paths compiled into the binary and the units, so it installs under
# the configured prefix rather than CPack's own default.
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "proof: packaging for prefix ${CMAKE_INSTALL_PREFIX}; "
                 "configure with -DCMAKE_INSTALL_PREFIX=/usr for a Debian package")
endif()
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from the libraries the binary links
# libsystemd is opened at run time for sd_notify (src/app/notify.cpp), so shlibdeps cannot see it.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libsystemd0")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_BINARY_DIR}/deb/postinst
    ${CMAKE_CURRENT_BINARY_DIR}/deb/prerm
    ${CMAKE_CURRENT_BINARY_DIR}/deb/postrm
    ${CMAKE_CURRENT_BINARY_DIR}/deb/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
