// The OpenSSL context the event loop's TLS connections are made from: the certificate
// chain and key of --tls-cert/--tls-key, and the modes non-blocking writes need.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace proof::net {

class TlsContext {
 public:
  /// Loads the PEM files; null with `error` set when they cannot be used.
  static std::unique_ptr<TlsContext> load(const std::string& cert, const std::string& key,
                                          std::string& error) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == nullptr || SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
      error = "cannot load the TLS certificate " + cert + " or key " + key;
      SSL_CTX_free(ctx);
      return nullptr;
    }
    // A write the socket takes only in part is finished later from the same buffer, which
    // may have moved: the connection's output string grows meanwhile.
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    auto context = std::unique_ptr<TlsContext>(new TlsContext);
    context->ctx_ = ctx;
    return context;
  }
  ~TlsContext() { SSL_CTX_free(ctx_); }
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* get() const { return ctx_; }

 private:
  TlsContext() = default;
  SSL_CTX* ctx_ = nullptr;
};

}  // namespace proof::net
