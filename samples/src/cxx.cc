// cxx.cc: C++ with libstdc++ (GLIBCXX_/CXXABI_ version nodes), exceptions and iostream.
// g++ -O2 -o cxx cxx.cc   -> verdict gcompat (fortify-free; libstdc++ comes from Alpine)
#include <iostream>
#include <stdexcept>
#include <string>
int main(int argc, char **argv) {
  std::string s(argv[0]);
  try {
    if (argc > 5) throw std::runtime_error("too many");
    std::cout << s << std::endl;
  } catch (const std::exception &e) {
    std::cerr << e.what() << std::endl;
  }
  return 0;
}
