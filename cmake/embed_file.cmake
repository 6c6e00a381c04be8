# cmake -DIN=file -DOUT=file.c -DNAME=symbol -P embed_file.cmake
# Writes a C source holding the bytes of IN as `const char NAME[]` (NUL
# added, not counted) and `const size_t NAME_len`, so the binary serves the
# file without the source tree (as embed_migrations.cmake does for SQL).
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR n "${n} / 2")
# 32 bytes a line keeps the generated file readable in a diff tool
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){32})" "\\1\n" bytes "${bytes}")
get_filename_component(src ${IN} NAME)
file(WRITE ${OUT}.tmp
  "/* Generated from ${src} by embed_file.cmake. Do not edit. */\n"
  "#include <stddef.h>\n\n"
  "const char ${NAME}[] = {\n${bytes}0};\n"
  "const size_t ${NAME}_len = ${n};\n")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
