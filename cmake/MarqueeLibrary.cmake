# Shared set-up of Marquee's libraries (marquee::core and each optional
# component), so every component is built and installed the same way.

# Properties every Marquee library has: an export name under marquee::,
# hidden symbols (MARQUEE_EXPORT marks the public API), PIC, a versioned
# soname, C++20 and the project's warnings; src/ holds private headers.
function(marquee_library_defaults target export_name)
  set_target_properties(${target} PROPERTIES
    EXPORT_NAME ${export_name}
    OUTPUT_NAME ${target}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR})
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_definitions(${target} PRIVATE MARQUEE_COMPILING_LIBRARY)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  marquee_set_warnings(${target})
endfunction()

# Installs `target` in its own export set under marquee:: and sets
# `is_static_var` in the caller's scope: MarqueeConfig.cmake must find a
# static library's private dependencies (exported as $<LINK_ONLY:...>).
function(marquee_install_library target export_set is_static_var)
  install(TARGETS ${target} EXPORT ${export_set}
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(EXPORT ${export_set} NAMESPACE marquee:: DESTINATION ${MARQUEE_CMAKE_DIR})
  get_target_property(target_type ${target} TYPE)
  if(target_type STREQUAL "STATIC_LIBRARY")
    set(${is_static_var} TRUE PARENT_SCOPE)
  else()
    set(${is_static_var} FALSE PARENT_SCOPE)
  endif()
endfunction()
