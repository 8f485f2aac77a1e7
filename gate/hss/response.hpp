#pragma once

#include "gate/hss/record.hpp"

#include <string_view>

namespace gate::hss {

// Parses a ListCicdImages response body. Accepts the documented shape (data_list an array,
// image_size an integer) and the API page's example shape (data_list one object, image_size a
// string such as "1,000 (bytes)"). Throws ServiceError naming the offending member.
Page parse_page(std::string_view body);

} // namespace gate::hss
