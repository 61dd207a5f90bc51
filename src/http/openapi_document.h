// The bytes of docs/openapi.json, embedded at build time: the generated
// openapi_document.cc (cmake/EmbedFile.cmake) defines OpenApiDocument.
#ifndef MARQUEE_SRC_HTTP_OPENAPI_DOCUMENT_H_
#define MARQUEE_SRC_HTTP_OPENAPI_DOCUMENT_H_

#include <string_view>

namespace marquee::http::internal {

// docs/openapi.json as it was when the library was built. Static storage.
std::string_view OpenApiDocument();

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_OPENAPI_DOCUMENT_H_
