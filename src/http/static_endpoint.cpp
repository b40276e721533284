// Any other GET or HEAD: the widget, the demo page, the operator page and images from
// --public-dir, with validators, one byte range, and gzip for text.
#include "http/endpoints.h"

namespace proof::http {

namespace {

/// The operator page holds the API key while it is open: no other site may frame it (to
/// trick a click), and it runs only its own scripts, which it already does.
void protect_operator_page(std::string_view path, Response& res) {
  if (path != "/admin" && path != "/admin.html") return;
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                 "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
}

}  // namespace

void serve_static(HttpContext& ctx, const Request& req, Response& res) {
  const std::string path = req.decoded_path();
  const auto file = ctx.files.load(path);
  if (!file) {
    ctx.refuse(req, res, {404, core::RejectReason::kNotFound, "no such file: " + path});
    return;
  }
  // Text files may be sent compressed, so caches must key on Accept-Encoding too.
  res.set_header("Vary", "Origin, Accept-Encoding");
  res.set_header("ETag", file->etag);
  res.set_header("Last-Modified", file->last_modified);
  // Short max-age: a new proof.js reaches visitors within minutes; validators make the
  // re-check cheap. Asked for by its version (?v=, as the operator page and /healthz give
  // it), a file can be kept for a year: a new file is a new URL.
  const bool versioned = req.has_param("v") && req.param("v") == StaticFiles::version(*file);
  res.set_header("Cache-Control",
                 versioned ? "public, max-age=31536000, immutable" : "public, max-age=300");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Accept-Ranges", "bytes");
  protect_operator_page(path, res);
  if (StaticFiles::not_modified(*file, req.header("If-None-Match"),
                                req.header("If-Modified-Since"))) {
    res.status = 304;
    return;
  }
  const RangeAnswer range = byte_range(req.header("Range"), file->body.size());
  switch (range.kind) {
    case RangeAnswer::Kind::kUnsatisfiable:
      res.set_header("Content-Range", "bytes */" + std::to_string(file->body.size()));
      ctx.refuse(req, res,
                 {416, core::RejectReason::kBadRequest,
                  "only a single byte range within the file is served"});
      return;
    case RangeAnswer::Kind::kPart:
      res.status = 206;
      res.set_header("Content-Range", "bytes " + std::to_string(range.range.first) + "-" +
                                          std::to_string(range.range.last) + "/" +
                                          std::to_string(file->body.size()));
      res.set_content(
          file->body.substr(range.range.first, range.range.last - range.range.first + 1),
          file->content_type);
      return;
    case RangeAnswer::Kind::kWhole:
      break;
  }
  if (StaticFiles::compressible(file->content_type) &&
      accepts_gzip(req.header("Accept-Encoding"))) {
    res.set_header("Content-Encoding", "gzip");
    res.set_content(gzip(file->body), file->content_type);
    return;
  }
  res.set_content(file->body, file->content_type);
}

}  // namespace proof::http
