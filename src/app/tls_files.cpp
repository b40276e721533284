#include "app/tls_files.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <memory>

namespace proof::app {

namespace {

/// OpenSSL's reason for the most recent failure, in its own words.
std::string openssl_reason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  const char* reason = ERR_reason_error_string(code);
  return reason ? reason : "unknown error";
}

}  // namespace

std::optional<std::string> tls_pair_problem(const std::string& cert, const std::string& key) {
  const std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()),
                                                              &SSL_CTX_free);
  if (!ctx) return "cannot set up TLS: " + openssl_reason();
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert.c_str()) != 1) {
    return "cannot load the certificate " + cert + ": " + openssl_reason();
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1) {
    const std::string reason = openssl_reason();
    if (reason.find("mismatch") != std::string::npos) {
      return "the key " + key + " does not belong to the certificate " + cert;
    }
    return "cannot load the key " + key + ": " + reason;
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    ERR_clear_error();
    return "the key " + key + " does not belong to the certificate " + cert;
  }
  return std::nullopt;
}

}  // namespace proof::app
