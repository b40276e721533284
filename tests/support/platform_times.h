// Times as the shop platforms write them in their signed bodies, for fixtures that must be
// recent (or deliberately old) relative to a test's own clock: Shopify's local time with its
// offset, WooCommerce's *_gmt fields (UTC, no zone) and Lemon Squeezy's UTC with microseconds.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace proof::test {

/// `value` in decimal, with zeros in front up to `width` digits.
inline std::string zero_padded(long value, std::size_t width) {
  const std::string digits = std::to_string(value);
  return std::string(width > digits.size() ? width - digits.size() : 0, '0') + digits;
}

/// "2026-12-04T12:00:00": the UTC date and time of `t`, to the second.
inline std::string utc_fields(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day date{day};
  const hh_mm_ss time{floor<seconds>(t - day)};
  return zero_padded(static_cast<int>(date.year()), 4) + "-" +
         zero_padded(static_cast<unsigned>(date.month()), 2) + "-" +
         zero_padded(static_cast<unsigned>(date.day()), 2) + "T" +
         zero_padded(time.hours().count(), 2) + ":" + zero_padded(time.minutes().count(), 2) + ":" +
         zero_padded(static_cast<long>(time.seconds().count()), 2);
}

/// As a shop in New York (UTC-5) sees it: "2026-12-04T07:00:00-05:00".
inline std::string shopify_time(std::chrono::system_clock::time_point t) {
  return utc_fields(t - std::chrono::hours(5)) + "-05:00";
}

/// WooCommerce's date_modified_gmt: "2026-12-04T12:00:00".
inline std::string woocommerce_time(std::chrono::system_clock::time_point t) {
  return utc_fields(t);
}

/// Lemon Squeezy's updated_at: "2026-12-04T12:00:00.000000Z".
inline std::string lemonsqueezy_time(std::chrono::system_clock::time_point t) {
  return utc_fields(t) + ".000000Z";
}

}  // namespace proof::test
