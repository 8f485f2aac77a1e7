#pragma once

#include <string>
#include <vector>

namespace gate {

// The whole program: parses argv, runs the command, returns the documented exit code.
int main(int argc, char** argv);

// The same, with argv already split; for tests.
int run(const std::vector<std::string>& argv);

} // namespace gate
