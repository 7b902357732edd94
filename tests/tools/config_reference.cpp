// callsink_config_reference: rewrites the key tables of docs/configuration.md from the keys the
// code declares (app/config_reference.hpp), leaving the prose around them as it is.
//
//   callsink_config_reference docs/configuration.md
//
// Prints whether the file changed; exit status 1 with the problem when the page's markers are
// wrong (a table the code does not have, or one it has that no block shows).
#include "callsink/app/config_reference.hpp"

#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: callsink_config_reference docs/configuration.md\n";
        return 2;
    }
    std::string const path = argv[1];
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::cerr << "callsink_config_reference: cannot read " << path << "\n";
        return 1;
    }
    std::ostringstream page;
    page << in.rdbuf();
    std::string written;
    try {
        written = callsink::with_generated_key_tables(page.str());
    } catch (std::exception const& e) {
        std::cerr << "callsink_config_reference: " << path << ": " << e.what() << "\n";
        return 1;
    }
    if (written == page.str()) {
        std::cout << path << ": the key tables are up to date\n";
        return 0;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << written;
    if (!out.flush()) {
        std::cerr << "callsink_config_reference: cannot write " << path << "\n";
        return 1;
    }
    std::cout << path << ": key tables rewritten from the code\n";
    return 0;
}
