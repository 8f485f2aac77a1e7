#pragma once

#include "gate/hss/paging.hpp"
#include "gate/hss/record.hpp"
#include "gate/hss/transport.hpp"

#include <string_view>
#include <vector>

// The image list endpoints: GET /v5/{project_id}/image/cicd/images (ListCicdImages) and GET
// /v5/{project_id}/image/registries/images (ListRegistryImages, whose records are the CI/CD
// record's members less cicd_name and pipeline_type, plus the registry's). Their paths and
// filters are rows of the source table (image_sources.hpp); the record parser is shared.
namespace gate::hss {

inline constexpr std::string_view k_cicd_images_path = "/v5/{project_id}/image/cicd/images";
// The operation's name in the API reference (000_181c3266a31a04f9.txt, the SDKs' ListCicdImages).
inline constexpr std::string_view k_cicd_images_operation = "ListCicdImages";

// Parses one page of a list's response. Accepts the documented shape (data_list an array,
// image_size an integer) and the API page's example shape (data_list one object, image_size a
// string such as "1,000 (bytes)"). Throws ServiceError naming the offending member.
Page<Record> parse_cicd_images_page(std::string_view body, Source source = Source::cicd);
// The same from a response already parsed.
class JsonObject;
Page<Record> read_cicd_images_page(const JsonObject& root, Source source = Source::cicd);

// The request for one page of the query's records, from the list of the query's source.
Request cicd_images_request(const Query& query, std::int64_t offset, int limit);

// Appends every record the server returns for the query (a loose filter: exact matching comes
// later) to `into`, page by page, from the list of the query's source: when a page fails, what
// was read before stays there.
void list_cicd_images(Transport& transport, const Query& query, std::vector<Record>& into);

} // namespace gate::hss
