#pragma once

#include "gate/hss/bundle.hpp"
#include "gate/error.hpp"
#include "gate/hss/transport.hpp"

#include <map>
#include <string>

// Replaying a saved run (--from-file): the same requests the live run sends, answered from a
// bundle, so the lookup, paging and parsing above it are the code that runs online.
namespace gate::hss {

// What the bundle cannot answer: it never recorded the request.
class Unanswered : public ServiceError {
public:
  using ServiceError::ServiceError;
};

class ReplayingTransport : public Transport {
public:
  explicit ReplayingTransport(const Bundle& bundle);
  // The recorded answer to the same request, or a page of a whole list. Throws Unanswered for a
  // request the bundle never recorded. A recorded page cut short is the reader's to refuse, by
  // the rule it applies online (take_page).
  Response get(const Request& request) override;
  // Whether get() has a recorded answer for the request.
  bool answers(const Request& request) const;

private:
  const Exchange* exchange_for(const Request& request) const;

  const Bundle& m_bundle;
  std::map<std::string, const Exchange*> m_exchanges; // by exchange_key
};

} // namespace gate::hss
