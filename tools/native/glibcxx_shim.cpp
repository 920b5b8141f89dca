// Provides std::ios_base_library_init(), the one GLIBCXX_3.4.32 (GCC 13) symbol that
// libLibTorchSharp.so 0.107.0 needs and that older libstdc++ (GLIBCXX <= 3.4.30, e.g. Debian 12) lacks.
// In GCC 13 the function's whole job is to make sure the standard streams are initialised,
// which is what a static std::ios_base::Init object does on older runtimes.
#include <ios>
namespace std {
__attribute__((visibility("default"))) void ios_base_library_init() {
    static std::ios_base::Init init;
}
}
