# Installation layout and the Debian package.
#
#   cmake -B build -DCMAKE_INSTALL_PREFIX=/usr && cmake --build build
#   cmake --install build            # or: cd build && cpack -G DEB
#
# Layout under the prefix: bin/proof, share/proof/public/, share/proof/proof-wordpress.zip
# (the WordPress plugin, for Plugins > Add New > Upload), share/doc/proof/,
# share/man/man1/proof.1.gz; the example config in SYSCONFDIR/proof/ (/etc/proof for the
# /usr prefix) and certbot's deploy hook in SYSCONFDIR/letsencrypt/renewal-hooks/deploy/proof;
# the systemd units in PROOF_SYSTEMD_UNIT_DIR_RESOLVED. The binary and the units have these paths compiled in, so the
# prefix given at configure time is the one the files must end up under.

set(PROOF_CONFIG_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/proof")
set(PROOF_INSTALL_BINARY "${CMAKE_INSTALL_FULL_BINDIR}/proof")
set(PROOF_INSTALL_DOCDIR "${CMAKE_INSTALL_FULL_DOCDIR}")

# systemd's own answer (/lib/systemd/system on Debian 12) for the system prefix; under any
# other prefix the units stay inside it, in PREFIX/lib/systemd/system, a directory systemd
# also searches for /usr/local. Derived from the prefix at every configure (a build
# directory first configured for /usr/local and then for /usr must not keep the old one);
# -DPROOF_UNIT_DIR=DIR overrides it. (PROOF_SYSTEMD_UNIT_DIR was a cached derived value:
# a build directory configured before keeps it, so it is dropped.)
unset(PROOF_SYSTEMD_UNIT_DIR CACHE)
set(PROOF_UNIT_DIR "" CACHE PATH
    "Where the systemd units are installed (empty: derived from CMAKE_INSTALL_PREFIX)")
set(_proof_systemd_unit_dir "${PROOF_UNIT_DIR}")
if(NOT _proof_systemd_unit_dir AND CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  pkg_get_variable(_proof_systemd_unit_dir systemd systemdsystemunitdir)
endif()
if(NOT _proof_systemd_unit_dir)
  set(_proof_systemd_unit_dir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
# What the install rules use, for tests/deploy to read back.
set(PROOF_SYSTEMD_UNIT_DIR_RESOLVED "${_proof_systemd_unit_dir}" CACHE INTERNAL "" FORCE)

foreach(_unit proof.service proof@.service)
  configure_file(systemd/${_unit}.in ${CMAKE_CURRENT_BINARY_DIR}/systemd/${_unit} @ONLY)
endforeach()
foreach(_script postinst prerm postrm)
  configure_file(systemd/deb/${_script}.in ${CMAKE_CURRENT_BINARY_DIR}/deb/${_script} @ONLY
                 FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
                 GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()
# certbot runs every program in renewal-hooks/deploy/ after it obtains or renews a
# certificate: this one reloads the running proof units. certbot reads only
# /etc/letsencrypt, so a prefix whose SYSCONFDIR is not /etc installs a copy to put there.
set(PROOF_CERTBOT_HOOK_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/letsencrypt/renewal-hooks/deploy")
configure_file(systemd/certbot-deploy-hook.in ${CMAKE_CURRENT_BINARY_DIR}/systemd/certbot-deploy-hook
               @ONLY)
# dpkg keeps an admin's edits to files listed here across upgrades.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/deb/conffiles
     "${PROOF_CONFIG_DIR}/proof.conf.example\n${PROOF_CERTBOT_HOOK_DIR}/proof\n")

install(TARGETS proof RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The staged copy (cmake/widget.cmake), with the minified widget, not the source tree's.
install(DIRECTORY ${PROOF_PUBLIC_DIR}/ DESTINATION ${CMAKE_INSTALL_DATADIR}/proof/public)
install(FILES ${PROOF_WORDPRESS_ZIP} DESTINATION ${CMAKE_INSTALL_DATADIR}/proof)
install(FILES proof.conf.example DESTINATION ${PROOF_CONFIG_DIR})
install(PROGRAMS ${CMAKE_CURRENT_BINARY_DIR}/systemd/certbot-deploy-hook
        DESTINATION ${PROOF_CERTBOT_HOOK_DIR} RENAME proof)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/systemd/proof.service
              ${CMAKE_CURRENT_BINARY_DIR}/systemd/proof@.service
        DESTINATION ${_proof_systemd_unit_dir})
foreach(_doc docs/start.md docs/deploy.md docs/sources.md docs/shopify.md docs/experiment.md docs/openapi.yaml
             docs/nginx-proof.conf docs/Caddyfile docs/stunnel-redis.conf)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${_doc})
    install(FILES ${_doc} DESTINATION ${CMAKE_INSTALL_DOCDIR})
  endif()
endforeach()

# Debian's strip arguments (dh_strip): without them .comment and .note stay in the binary.
# Runs where CPack (CPACK_STRIP_FILES) or `cmake --install --strip` strips.
install(CODE "
  if(CMAKE_INSTALL_DO_STRIP)
    execute_process(COMMAND \"${CMAKE_STRIP}\" --remove-section=.comment --remove-section=.note
                            --strip-unneeded \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/proof\"
                    COMMAND_ERROR_IS_FATAL ANY)
  endif()")

set(CPACK_PACKAGE_NAME proof)
set(CPACK_PACKAGE_VENDOR "proof")
set(CPACK_PACKAGE_CONTACT "proof maintainers <maintainers@proof.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
# Lines of at most 80 characters: dpkg shows them as they are.
set(CPACK_PACKAGE_DESCRIPTION
    "proof shows the visitors of a site that others just signed up: signups\n"
    "POSTed with an API key are broadcast to every open page over Server-Sent\n"
    "Events, where a small widget shows them as cards.\n"
    ".\n"
    "It ships hardened systemd units (proof.service, proof@SITE.service).")
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
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(PROOF_DEB_VERSION "${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from the libraries the binary links
# libsystemd is opened at run time for sd_notify (src/app/notify.cpp), so shlibdeps cannot
# see it; procps has the /bin/kill of the units' ExecReload=.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libsystemd0, procps")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_BINARY_DIR}/deb/postinst
    ${CMAKE_CURRENT_BINARY_DIR}/deb/prerm
    ${CMAKE_CURRENT_BINARY_DIR}/deb/postrm
    ${CMAKE_CURRENT_BINARY_DIR}/deb/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# What Debian's policy wants in every package's doc directory: the copyright and the
# changelog (gzip -9n: no name or time stamp, so rebuilding gives the same bytes), and a
# man page, written by help2man from --help at build time so that it never goes stale.
string(TIMESTAMP PROOF_CHANGELOG_DATE "%a, %d %b %Y 00:00:00 +0000" UTC)
configure_file(systemd/deb/changelog.in ${CMAKE_CURRENT_BINARY_DIR}/deb/changelog.Debian @ONLY)
find_program(GZIP_EXECUTABLE gzip REQUIRED)
add_custom_command(
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/deb/changelog.Debian.gz
  COMMAND ${GZIP_EXECUTABLE} -9nf -k ${CMAKE_CURRENT_BINARY_DIR}/deb/changelog.Debian
  DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/deb/changelog.Debian
  VERBATIM)
set(_proof_package_docs ${CMAKE_CURRENT_BINARY_DIR}/deb/changelog.Debian.gz)
find_program(HELP2MAN_EXECUTABLE help2man)
if(HELP2MAN_EXECUTABLE)
  add_custom_command(
    OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/man/proof.1.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/man
    COMMAND ${HELP2MAN_EXECUTABLE} --no-info --section=1 --source=proof
            "--name=self-hosted social proof over Server-Sent Events"
            --output=${CMAKE_CURRENT_BINARY_DIR}/man/proof.1 $<TARGET_FILE:proof>
    COMMAND ${GZIP_EXECUTABLE} -9nf ${CMAKE_CURRENT_BINARY_DIR}/man/proof.1
    DEPENDS proof
    VERBATIM)
  list(APPEND _proof_package_docs ${CMAKE_CURRENT_BINARY_DIR}/man/proof.1.gz)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/man/proof.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(WARNING "help2man not found: no man page (scripts/install-deps.sh installs it)")
endif()
add_custom_target(proof_package_docs ALL DEPENDS ${_proof_package_docs})
install(FILES systemd/deb/copyright ${CMAKE_CURRENT_BINARY_DIR}/deb/changelog.Debian.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES systemd/deb/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
        RENAME proof)
include(CPack)
