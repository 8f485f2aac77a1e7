#pragma once

#include <chrono>

// SIGTERM and SIGINT (a cancelled CI job) end a wait promptly instead of killing the process
// before it writes its reports.
namespace gate {

// Installs handlers that only set a flag; blocking calls are not restarted.
void install_interrupt_handlers();

// True once SIGTERM or SIGINT arrived.
bool interrupted();

// Sleeps in short slices; returns false as soon as an interrupt arrives.
bool sleep_unless_interrupted(std::chrono::milliseconds duration);

} // namespace gate
