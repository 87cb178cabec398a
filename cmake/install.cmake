# What `cmake --install` puts where, and the Debian packages scripts/package makes with CPack.
# Two components: `cli` (the blox program, its configs and datasets, man page, bash completion,
# the README) and `dev` (the static libraries, headers and CMake package of lib/CMakeLists.txt).
include(CMakePackageConfigHelpers)

set(BLOX_SHARE_DIR ${CMAKE_INSTALL_DATADIR}/blox)
install(TARGETS blox RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
if(BLOX_TORCH_DIR)
  # Another libtorch (PyPI's, in its virtual environment): the installed program keeps its path.
  set_property(TARGET blox APPEND PROPERTY INSTALL_RPATH "${TORCH_INSTALL_PREFIX}/lib")
endif()
# The configs keep their relative data paths: ../datasets/... resolves under share/blox.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/configs ${CMAKE_SOURCE_DIR}/datasets DESTINATION ${BLOX_SHARE_DIR} COMPONENT cli)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT cli)
# The man page and the bash completion, written at install time by the blox just built, from its
# own command line definition and config schema.
set(BLOX_WRITTEN ${CMAKE_BINARY_DIR}/written-at-install)
install(CODE "
  file(MAKE_DIRECTORY \"${BLOX_WRITTEN}/man\" \"${BLOX_WRITTEN}/bash\")
  execute_process(COMMAND \"$<TARGET_FILE:blox>\" manual OUTPUT_FILE \"${BLOX_WRITTEN}/man/blox.1\" RESULT_VARIABLE man)
  execute_process(COMMAND \"$<TARGET_FILE:blox>\" completion bash OUTPUT_FILE \"${BLOX_WRITTEN}/bash/blox\" RESULT_VARIABLE bash)
  if(man OR bash)
    message(FATAL_ERROR \"blox manual / blox completion bash failed: \${man} \${bash}\")
  endif()
  file(INSTALL \"${BLOX_WRITTEN}/man/blox.1\" DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_MANDIR}/man1\")
  file(INSTALL \"${BLOX_WRITTEN}/bash/blox\"
       DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/bash-completion/completions\")" COMPONENT cli)

install(EXPORT bloxTargets NAMESPACE blox:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/blox COMPONENT dev)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/bloxConfig.cmake.in ${CMAKE_BINARY_DIR}/bloxConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/blox PATH_VARS BLOX_SHARE_DIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/bloxConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/bloxConfig.cmake ${CMAKE_BINARY_DIR}/bloxConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/blox COMPONENT dev)

# Debian packages (scripts/package): blox (Depends from its shared libraries, by dpkg-shlibdeps)
# and blox-dev (what a program built against the library needs).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME blox)
set(CPACK_PACKAGE_CONTACT "blox developers <blox@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "train neural networks from YAML config files")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_COMPONENTS_ALL cli dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_CLI_PACKAGE_NAME blox)
set(CPACK_DEBIAN_CLI_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_CLI_PACKAGE_RECOMMENDS dataset-fashion-mnist)  # the configs' Fashion-MNIST paths
set(CPACK_DEBIAN_DEV_PACKAGE_NAME blox-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "blox (= ${PROJECT_VERSION}), libtorch-dev, libyaml-cpp-dev, nlohmann-json3-dev, libfmt-dev, libprotobuf-dev, libonnx-dev, zlib1g-dev, libjpeg62-turbo-dev, libpng-dev")
set(CPACK_COMPONENT_CLI_DESCRIPTION "blox: train neural networks from YAML config files (the command line tool)")
set(CPACK_COMPONENT_DEV_DESCRIPTION "blox: the C++ library, its headers and CMake package (find_package(blox))")
include(CPack)
