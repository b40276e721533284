// The OpenSSL context the event loop's TLS connections are made from (--tls-cert,
// --tls-key): TLS 1.2 and 1.3 only, and in TLS 1.2 only ECDHE key exchange with AEAD
// ciphers (forward secret; no CBC, so no LUCKY13; no static RSA), in the server's order.
// It can be loaded again from the same files while the server runs (SIGHUP, after a
// renewal): new connections get the new certificate, open ones keep the one they began with.
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace proof::net {

class TlsContext {
 public:
  /// The TLS 1.2 cipher list: ECDHE-{ECDSA,RSA} with AES-128-GCM, AES-256-GCM and
  /// ChaCha20-Poly1305, in that order of preference. TLS 1.3 keeps OpenSSL's defaults (all
  /// three of its suites are forward-secret AEAD).
  static const char* const kTls12Ciphers;

  /// Loads the PEM certificate chain in `cert` (leaf first, then the intermediates) and the
  /// PEM private key in `key`. On failure returns null and sets `error` to a sentence naming
  /// the file and what is wrong with it (unreadable, not PEM, or a key that does not belong
  /// to the certificate).
  ///
  /// No compression (CRIME), no renegotiation, no session tickets: a ticket key would live
  /// as long as the process and so undo forward secrecy for every session it ever sealed;
  /// TLS 1.2 sessions still resume from the server-side cache. A write the socket takes
  /// only in part is finished later from the same buffer, which may have moved (the
  /// connection's output string grows meanwhile); idle connections give their read and
  /// write buffers back, which thousands of open streams need.
  static std::unique_ptr<TlsContext> load(const std::string& cert, const std::string& key,
                                          std::string& error);
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  /// Loads the two files again, from the paths given to load() (a renewal replaces what
  /// they hold, or where their symbolic links point). Only a pair that loads whole takes
  /// the place of the current one; otherwise nothing changes, and `error` says why as
  /// load() would. Safe from any thread while connections are being made.
  bool reload(std::string& error);

  /// The context new connections are made from now (shared: a reload does not free it
  /// under a caller). Safe from any thread.
  std::shared_ptr<SSL_CTX> current() const;

  /// A server-side SSL object for a new connection, from the current context; it holds
  /// its own reference to that context, so a later reload leaves it as it was.
  SSL* new_connection() const;

  /// When the current certificate (the leaf) stops being valid: its notAfter, in seconds
  /// since the epoch. Safe from any thread.
  std::int64_t expires_at() const;

  const std::string& cert_file() const { return cert_file_; }

 private:
  TlsContext(std::string cert, std::string key)
      : cert_file_(std::move(cert)), key_file_(std::move(key)) {}

  const std::string cert_file_;
  const std::string key_file_;
  mutable std::mutex mutex_;
  std::shared_ptr<SSL_CTX> ctx_;  ///< guarded by mutex_
  std::int64_t expires_at_ = 0;   ///< guarded by mutex_
};

/// A certificate's notAfter in seconds since the epoch; nullopt when it has none that
/// OpenSSL can read.
std::optional<std::int64_t> certificate_expiry(const X509* certificate);

}  // namespace proof::net
