#include "gate/hss/client.hpp"

#include "gate/error.hpp"

namespace gate::hss {

std::string endpoint_for_region(const std::string& region) {
  if (region == "eu-west-101") return "https://hss.eu-west-101.myhuaweicloud.eu";
  return "https://hss." + region + ".myhuaweicloud.com";
}

std::unique_ptr<Client> make_http_client(const ClientSettings&) {
  throw ServiceError("querying HSS online is not available in this build yet: use --from-file");
}

} // namespace gate::hss
