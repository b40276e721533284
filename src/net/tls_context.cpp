#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <ctime>

namespace proof::net {

const char* const TlsContext::kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

namespace {

/// OpenSSL's reason for the last failure ("no start line", "No such file or directory"),
/// and an empty queue for the next caller.
std::string openssl_reason() {
  std::string reason;
  const unsigned long code = ERR_peek_last_error();
  if (code != 0) {
    const char* text = ERR_reason_error_string(code);
    reason = text != nullptr ? text : "error " + std::to_string(code);
  }
  ERR_clear_error();
  return reason.empty() ? "unknown error" : reason;
}

/// A context for `cert_file` and `key_file`, made and checked whole; null with `error` set
/// when any step fails.
std::shared_ptr<SSL_CTX> make_context(const std::string& cert_file, const std::string& key_file,
                                      std::string& error) {
  ERR_clear_error();
  SSL_CTX* const raw = SSL_CTX_new(TLS_server_method());
  if (raw == nullptr) {
    error = "cannot create a TLS context: " + openssl_reason();
    return nullptr;
  }
  // Owned from here on, so every early return frees it.
  std::shared_ptr<SSL_CTX> context(raw, &SSL_CTX_free);
  SSL_CTX* const ctx = context.get();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx, TlsContext::kTls12Ciphers) != 1) {
    error = "cannot set the TLS versions and ciphers: " + openssl_reason();
    return nullptr;
  }
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION |
                               SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  // TLS 1.3 sends tickets even with SSL_OP_NO_TICKET (stateful ones); none at all.
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);

  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    error = "cannot load the TLS certificate chain from " + cert_file + ": " + openssl_reason();
    return nullptr;
  }
  const std::string mismatch =
      "the TLS private key in " + key_file + " does not match the certificate in " + cert_file;
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    // OpenSSL compares the key with the certificate loaded before it already.
    const int reason = ERR_GET_REASON(ERR_peek_last_error());
    if (reason == X509_R_KEY_VALUES_MISMATCH || reason == X509_R_KEY_TYPE_MISMATCH) {
      ERR_clear_error();
      error = mismatch;
      return nullptr;
    }
    error = "cannot load the TLS private key from " + key_file + ": " + openssl_reason();
    return nullptr;
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    error = mismatch;
    return nullptr;
  }
  return context;
}

}  // namespace

std::optional<std::int64_t> certificate_expiry(const X509* certificate) {
  if (certificate == nullptr) return std::nullopt;
  const ASN1_TIME* not_after = X509_get0_notAfter(certificate);
  std::tm utc{};
  if (not_after == nullptr || ASN1_TIME_to_tm(not_after, &utc) != 1) return std::nullopt;
  return static_cast<std::int64_t>(timegm(&utc));
}

std::unique_ptr<TlsContext> TlsContext::load(const std::string& cert_file,
                                             const std::string& key_file, std::string& error) {
  std::unique_ptr<TlsContext> context(new TlsContext(cert_file, key_file));
  if (!context->reload(error)) return nullptr;
  return context;
}

bool TlsContext::reload(std::string& error) {
  auto fresh = make_context(cert_file_, key_file_, error);
  if (!fresh) return false;
  const auto expiry = certificate_expiry(SSL_CTX_get0_certificate(fresh.get()));
  if (!expiry) {
    error = "the TLS certificate in " + cert_file_ + " has no expiry date that can be read";
    return false;
  }
  std::lock_guard lock(mutex_);
  ctx_ = std::move(fresh);
  expires_at_ = *expiry;
  return true;
}

std::shared_ptr<SSL_CTX> TlsContext::current() const {
  std::lock_guard lock(mutex_);
  return ctx_;
}

SSL* TlsContext::new_connection() const {
  return SSL_new(current().get());
}

std::int64_t TlsContext::expires_at() const {
  std::lock_guard lock(mutex_);
  return expires_at_;
}

}  // namespace proof::net
