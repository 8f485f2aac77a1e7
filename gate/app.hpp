#pragma once

#include "gate/config/config.hpp"

#include <string>
#include <vector>

namespace gate {

class Clock;

// The whole program: parses argv, runs the command, returns the documented exit code.
int main(int argc, char** argv);

// The same with its world injected: argv already split, the environment and the clock.
int run(const std::vector<std::string>& argv, const config::Environment& environment, Clock& clock);

} // namespace gate
