#!/usr/bin/env python3
"""Mark one symbol-version requirement of an ELF64 shared library as weak (VER_FLG_WEAK).

Usage: weaken_verneed.py FILE VERSION   e.g. weaken_verneed.py libLibTorchSharp.so GLIBCXX_3.4.32

glibc's loader refuses a library whose version requirement is missing from the providing
library, unless the requirement is weak; a weak one only needs the symbol to be found somewhere
in the global scope (our shim, loaded RTLD_GLOBAL first, supplies it unversioned).
Prints 'patched', 'already' or 'absent'. Edits the file in place, via a temporary file and rename.
"""
import os, struct, sys

SHT_GNU_VERNEED = 0x6ffffffe
VER_FLG_WEAK = 0x2

def main(path, version):
    data = bytearray(open(path, 'rb').read())
    if data[:4] != b'\x7fELF' or data[4] != 2 or data[5] != 1:
        sys.exit(f'{path}: not a little-endian ELF64 file')
    e_shoff, = struct.unpack_from('<Q', data, 0x28)
    e_shentsize, e_shnum = struct.unpack_from('<HH', data, 0x3A)
    sections = []
    for i in range(e_shnum):
        off = e_shoff + i * e_shentsize
        (name, typ, flags, addr, offset, size, link, info, align, entsize) = struct.unpack_from('<IIQQQQIIQQ', data, off)
        sections.append((typ, offset, size, link, info))
    result = 'absent'
    for typ, offset, size, link, info in sections:
        if typ != SHT_GNU_VERNEED:
            continue
        strtab = sections[link][1]
        def cstr(o):
            end = data.index(0, strtab + o)
            return data[strtab + o:end].decode()
        vn = offset
        for _ in range(info):
            vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from('<HHIII', data, vn)
            aux = vn + vn_aux
            for _ in range(vn_cnt):
                vna_hash, vna_flags, vna_other, vna_name, vna_next = struct.unpack_from('<IHHII', data, aux)
                if cstr(vna_name) == version:
                    if vna_flags & VER_FLG_WEAK:
                        result = 'already'
                    else:
                        struct.pack_into('<H', data, aux + 4, vna_flags | VER_FLG_WEAK)
                        result = 'patched'
                aux += vna_next
            if vn_next == 0:
                break
            vn += vn_next
    if result == 'patched':
        tmp = path + '.tmp'
        with open(tmp, 'wb') as f:
            f.write(data)
        os.chmod(tmp, os.stat(path).st_mode)
        os.replace(tmp, path)
    print(result)

if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
