#pragma once

#include <chrono>

// SIGTERM and SIGINT (a cancelled CI job) end a wait promptly instead of killing the process
// before it writes its reports. The flag is read by every thread: the transport looks at it
// before each request it sends, so queued requests are never sent after the signal.
namespace gate {

// Installs handlers that only set a flag; blocking calls are not restarted.
void install_interrupt_handlers();

// True once SIGTERM or SIGINT arrived.
bool interrupted();

// Sets the flag as the signal handler does: for fakes in tests that play the signal.
void raise_interrupt();

// Clears the flag; only tests do this, between cases.
void clear_interrupt();

// Sleeps in short slices; returns false as soon as an interrupt arrives.
bool sleep_unless_interrupted(std::chrono::milliseconds duration);

} // namespace gate
