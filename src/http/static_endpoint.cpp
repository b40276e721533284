// Any other GET or HEAD: the widget, the demo page and images from --public-dir.
#include "http/endpoints.h"

namespace proof {

void serve_static(HttpContext& ctx, const httplib::Request& req, httplib::Response& res) {
  // cpp-httplib answers each listed range in one multipart body: a 9 KB header asking for
  // the same bytes 2,000 times would make a small request a large answer.
  if (req.ranges.size() > 1) {
    ctx.refuse(req, res, {416, RejectReason::kBadRequest, "only a single byte range is served"});
    return;
  }
  const auto file = ctx.files.load(req.path);
  if (!file) {
    ctx.refuse(req, res, {404, RejectReason::kNotFound, "no such file: " + req.path});
    return;
  }
  // Text files may be sent compressed, so caches must key on Accept-Encoding too.
  res.headers.erase("Vary");
  res.set_header("Vary", "Origin, Accept-Encoding");
  res.set_header("ETag", file->etag);
  res.set_header("Last-Modified", file->last_modified);
  // Short max-age: a new proof.js reaches visitors within minutes; validators make the
  // re-check cheap.
  res.set_header("Cache-Control", "public, max-age=300");
  res.set_header("X-Content-Type-Options", "nosniff");
  if (StaticFiles::not_modified(*file, req.get_header_value("If-None-Match"),
                                req.get_header_value("If-Modified-Since"))) {
    res.status = 304;
    return;
  }
  res.set_content(file->body, file->content_type);
}

}  // namespace proof
