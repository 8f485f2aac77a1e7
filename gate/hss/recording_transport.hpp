#pragma once

#include "gate/hss/transport.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Recording what a run read, for --save-bundle: a decorator of the real transport that keeps each
// request and the body the run read, with secrets removed before anything is stored.
namespace gate::hss {

// One request a run sent and the answer it read, as a bundle keeps it.
struct Exchange {
  std::string path;      // the template, {project_id} unfilled
  Pairs path_parameters; // unencoded
  Pairs query;           // unencoded
  std::string body;      // the response body, secret members named content removed
};

// What identifies a request among recorded ones: its template, path parameters and query, in a
// canonical order. Headers are not part of it.
std::string exchange_key(const std::string& path, const Pairs& path_parameters, const Pairs& query);

// The body with every member named `content` (in any letter case) removed at any depth, the rest
// as sent and in order. nullopt for a body the readers would refuse (not a JSON object, duplicated
// keys, integers beyond 64 bits): such an answer is never replayed, so it is never stored.
std::optional<std::string> without_secret_content(std::string_view body);

class RecordingTransport : public Transport {
public:
  explicit RecordingTransport(Transport& inner) : m_inner(inner) {}
  // Forwards to the real transport and records the answer; a request asked again (a poll) keeps
  // its latest answer, the one the run went on with.
  Response get(const Request& request) override;
  // Forwarded, not recorded: a bundle holds what was read, and a replay never asks HSS to act.
  Response post(const Request& request) override;
  // Every recorded exchange, ordered by exchange_key.
  std::vector<Exchange> exchanges() const;

private:
  Transport& m_inner;
  mutable std::mutex m_mutex; // requests run on several threads
  std::map<std::string, Exchange> m_exchanges;
};

} // namespace gate::hss
