# marquee_set_warnings(target): the warning flags every Marquee target builds with.
function(marquee_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
    -Wimplicit-fallthrough
    # Designated initializers that leave fields at their defaults are the
    # intended way to fill options structs.
    -Wno-missing-field-initializers)
endfunction()
