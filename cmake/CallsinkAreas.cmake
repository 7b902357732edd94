# One static library per area of cmake/layers.txt, linked in the layering's order, each compiled
# seeing only the headers it may include: the build refuses what the layering forbids.
#
# All headers live under include/callsink/<area>/, so one include directory would let any source
# include any header. Instead each area gets a view of its own in the build tree,
# <build>/areas/<area>/callsink/, holding links to its own header folder and to those of the
# areas below it that it may use, and compiles against that view alone. An #include of a header
# from an area it may not use is then "No such file or directory" at compile time.
# scripts/check_layers.py reads the same file and checks what the compiler does not see: headers
# included only from above, the tests, and the sink folders and event types, which only their
# registries may name.
#
# callsink_add_areas() defines callsink_<area> for every area and callsink::core, an interface
# library with all of them and the whole include/ tree, for the executable, the tests and the
# fuzzers.

# Reads cmake/layers.txt into CALLSINK_AREAS (lowest first) and CALLSINK_AREA_USES_<area> (the
# whole closure: every area <area> may include, directly or through another).
function(callsink_read_layers)
    set(layers_file ${PROJECT_SOURCE_DIR}/cmake/layers.txt)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${layers_file})
    file(STRINGS ${layers_file} lines ENCODING UTF-8)
    set(areas)
    foreach(line IN LISTS lines)
        if(line MATCHES "^#")
            continue()
        endif()
        string(REGEX REPLACE "\\(.*\\)" "" line "${line}")
        string(STRIP "${line}" line)
        if(line STREQUAL "")
            continue()
        endif()
        if(NOT line MATCHES "^([a-z_]+)[ \t]+(.+)$")
            message(FATAL_ERROR "cmake/layers.txt: cannot read \"${line}\"; expected an area, "
                                "then the areas it may include, or \"-\"")
        endif()
        set(area ${CMAKE_MATCH_1})
        string(REPLACE "," ";" direct "${CMAKE_MATCH_2}")
        list(TRANSFORM direct STRIP)
        list(REMOVE_ITEM direct "-")
        set(uses)
        foreach(below IN LISTS direct)
            if(NOT below IN_LIST areas)
                message(FATAL_ERROR "cmake/layers.txt: ${area} uses ${below}, which is not an "
                                    "area listed above it (the file lists the lowest first)")
            endif()
            list(APPEND uses ${below} ${CALLSINK_AREA_USES_${below}})
        endforeach()
        list(REMOVE_DUPLICATES uses)
        set(CALLSINK_AREA_USES_${area} ${uses})
        set(CALLSINK_AREA_USES_${area} ${uses} PARENT_SCOPE)
        set(CALLSINK_AREA_DIRECT_${area} ${direct} PARENT_SCOPE)
        list(APPEND areas ${area})
    endforeach()
    set(CALLSINK_AREAS ${areas} PARENT_SCOPE)
endfunction()

# The header view of `area`: links to include/callsink/<area> and to each area it may use.
function(callsink_area_header_view area out_dir)
    set(view ${CMAKE_BINARY_DIR}/areas/${area})
    file(REMOVE_RECURSE ${view})  # a layering that changed leaves no stale link behind
    file(MAKE_DIRECTORY ${view}/callsink)
    foreach(visible IN ITEMS ${area} ${CALLSINK_AREA_USES_${area}})
        file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/callsink/${visible}
             ${view}/callsink/${visible} SYMBOLIC)
    endforeach()
    set(${out_dir} ${view} PARENT_SCOPE)
endfunction()

# Defines callsink_<area> for every area, and callsink::core. `excluded` lists source folders or
# files (relative to src/) left out of the build, such as a sink compiled out; `area_links`
# holds "<area>=<target>" pairs of the packages an area's own headers or sources need.
function(callsink_add_areas)
    cmake_parse_arguments(ARG "" "" "EXCLUDED;AREA_LINKS;COMMON_LINKS;DEFINITIONS" ${ARGN})
    callsink_read_layers()
    add_library(callsink_core INTERFACE)
    add_library(callsink::core ALIAS callsink_core)
    target_include_directories(callsink_core INTERFACE ${PROJECT_SOURCE_DIR}/include)
    foreach(area IN LISTS CALLSINK_AREAS)
        file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${area}/*.cpp)
        list(REMOVE_ITEM sources ${PROJECT_SOURCE_DIR}/src/app/main.cpp)
        foreach(left_out IN LISTS ARG_EXCLUDED)
            list(FILTER sources EXCLUDE REGEX "^${PROJECT_SOURCE_DIR}/src/${left_out}")
        endforeach()
        if(NOT sources)
            message(FATAL_ERROR "src/${area}/ has no source: every area of cmake/layers.txt "
                                "is a library")
        endif()
        add_library(callsink_${area} STATIC ${sources})
        callsink_area_header_view(${area} view)
        target_include_directories(callsink_${area} PRIVATE ${view})
        target_compile_definitions(callsink_${area} PUBLIC ${ARG_DEFINITIONS})
        target_link_libraries(callsink_${area} PRIVATE callsink_warnings PUBLIC ${ARG_COMMON_LINKS})
        foreach(below IN LISTS CALLSINK_AREA_DIRECT_${area})
            target_link_libraries(callsink_${area} PUBLIC callsink_${below})
        endforeach()
        foreach(pair IN LISTS ARG_AREA_LINKS)
            if(pair MATCHES "^${area}=(.+)$")
                target_link_libraries(callsink_${area} PUBLIC ${CMAKE_MATCH_1})
            endif()
        endforeach()
        target_link_libraries(callsink_core INTERFACE callsink_${area})
    endforeach()
endfunction()
