<?php
/**
 * The plugin's one option: what it holds, its defaults, and how a submitted form becomes
 * a stored value. Every field is checked here, on input, against what proof and its
 * widget accept, so that what the tag and the settings page print later is always one of
 * the values this file let through (and is escaped there all the same).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * @package proof
 */

namespace Proof\WordPress;

defined( 'ABSPATH' ) || exit;

/** The option holding every setting (one row in wp_options; uninstall.php deletes it). */
const OPTION = 'proof_settings';

/** The settings group the form posts to options.php (its nonce is "proof-options"). */
const GROUP = 'proof';

/** Longest template kept, in characters: a card's sentence, not a paragraph. */
const TEMPLATE_CHARS = 240;

/**
 * Every setting with its default. Empty means "the widget's own default" for the display
 * options, so that the tag carries only what the operator chose.
 *
 * @return array<string, mixed>
 */
function defaults() {
	return array(
		'server_url'          => '',
		'channel'             => '',
		'position'            => 'right',
		'template_signup'     => '',
		'template_purchase'   => '',
		'locale'              => '',
		'max_cards'           => '',
		'goal_order_received' => false,
	);
}

/**
 * The stored settings, completed with the defaults (an option written by an older version,
 * or edited by hand, may lack a key).
 *
 * @return array<string, mixed>
 */
function settings() {
	$stored = get_option( OPTION, array() );
	if ( ! is_array( $stored ) ) {
		$stored = array();
	}
	return array_merge( defaults(), array_intersect_key( $stored, defaults() ) );
}

/** Activation: the option with its defaults, unless it is there already. */
function create_option() {
	add_option( OPTION, defaults() );
}

/**
 * The origin the widget runs on, as proof's allowed-origin list must name it:
 * scheme://host[:port] of the site's home URL.
 *
 * @return string
 */
function site_origin() {
	$parts = wp_parse_url( home_url() );
	if ( ! is_array( $parts ) || empty( $parts['host'] ) ) {
		return '';
	}
	$scheme = isset( $parts['scheme'] ) ? strtolower( $parts['scheme'] ) : 'http';
	$origin = $scheme . '://' . strtolower( $parts['host'] );
	// A browser's Origin names a port only when it is not the scheme's own.
	$default = 'https' === $scheme ? 443 : 80;
	if ( ! empty( $parts['port'] ) && (int) $parts['port'] !== $default ) {
		$origin .= ':' . (int) $parts['port'];
	}
	return $origin;
}

/**
 * Where WooCommerce delivers orders: proof's /hooks/woocommerce, with the channel (so that
 * purchases show on this site's pages only) when one is set. Empty without a server.
 *
 * @param array<string, mixed> $settings The settings.
 * @return string
 */
function webhook_url( array $settings ) {
	if ( '' === $settings['server_url'] ) {
		return '';
	}
	$url = $settings['server_url'] . '/hooks/woocommerce';
	if ( '' !== $settings['channel'] ) {
		$url .= '?channel=' . rawurlencode( $settings['channel'] );
	}
	return $url;
}

/**
 * The Settings API's sanitize callback for the option. A field that is not acceptable
 * keeps its stored value and says why (add_settings_error), so one typo does not undo the
 * rest of the form.
 *
 * @param mixed $input What the form sent (options.php has unslashed it).
 * @return array<string, mixed>
 */
function sanitize_settings( $input ) {
	$old = settings();
	if ( ! is_array( $input ) ) {
		return $old;
	}
	$clean = $old;

	$url = normalise_server_url( isset( $input['server_url'] ) ? (string) $input['server_url'] : '' );
	if ( null === $url ) {
		settings_error( 'server_url', __( "proof's address must be an http:// or https:// URL, such as https://proof.example.com, without a query", 'proof' ) );
	} else {
		$clean['server_url'] = $url;
	}

	$channel = isset( $input['channel'] ) ? trim( (string) $input['channel'] ) : '';
	if ( '' === $channel || preg_match( '/^[a-z0-9_-]{1,64}$/', $channel ) ) {
		$clean['channel'] = $channel;
	} else {
		settings_error( 'channel', __( 'The channel must be 1 to 64 of a-z, 0-9, _ and - (proof refuses any other name), or empty', 'proof' ) );
	}

	$clean['position'] = ( isset( $input['position'] ) && 'left' === $input['position'] ) ? 'left' : 'right';

	foreach ( array( 'template_signup', 'template_purchase' ) as $key ) {
		$clean[ $key ] = text_line( isset( $input[ $key ] ) ? (string) $input[ $key ] : '', TEMPLATE_CHARS );
	}

	$locale = isset( $input['locale'] ) ? trim( (string) $input['locale'] ) : '';
	if ( '' === $locale || preg_match( '/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/', $locale ) ) {
		$clean['locale'] = $locale;
	} else {
		settings_error( 'locale', __( 'The language must be a language tag such as de, fr or pt-BR, or empty for English', 'proof' ) );
	}

	$max = isset( $input['max_cards'] ) ? trim( (string) $input['max_cards'] ) : '';
	if ( '' === $max || ( preg_match( '/^[0-9]{1,4}$/', $max ) && (int) $max >= 1 && (int) $max <= 1000 ) ) {
		$clean['max_cards'] = '' === $max ? '' : (string) (int) $max;
	} else {
		settings_error( 'max_cards', __( 'Cards per page must be a whole number from 1 to 1000, or empty for no limit', 'proof' ) );
	}

	// The box is on the page only while WooCommerce is active: otherwise the choice stays.
	if ( woocommerce_active() ) {
		$clean['goal_order_received'] = ! empty( $input['goal_order_received'] );
	}

	return $clean;
}

/**
 * Records a refusal for the settings page to show after the redirect.
 *
 * @param string $field   The field's key (part of the error's code).
 * @param string $message What is wrong and what to type instead.
 */
function settings_error( $field, $message ) {
	add_settings_error( OPTION, 'proof_' . $field, $message, 'error' );
}

/**
 * proof's address as the tag and the checks use it: scheme and host lower-case, no
 * trailing slash (a path is kept, for a proof behind a proxy under a prefix). Empty is
 * allowed: it turns the tag off.
 *
 * @param string $raw What was typed.
 * @return string|null The address, or null when it is not one.
 */
function normalise_server_url( $raw ) {
	$raw = trim( $raw );
	if ( '' === $raw ) {
		return '';
	}
	$parts = wp_parse_url( $raw );
	if ( ! is_array( $parts ) || empty( $parts['scheme'] ) || empty( $parts['host'] )
		|| ! in_array( strtolower( $parts['scheme'] ), array( 'http', 'https' ), true )
		|| isset( $parts['query'] ) || isset( $parts['fragment'] )
		|| isset( $parts['user'] ) || isset( $parts['pass'] )
		|| ! preg_match( '/^[A-Za-z0-9.\-\[\]:]+$/', $parts['host'] ) ) {
		return null;
	}
	$url = strtolower( $parts['scheme'] ) . '://' . strtolower( $parts['host'] );
	if ( ! empty( $parts['port'] ) ) {
		$url .= ':' . (int) $parts['port'];
	}
	if ( isset( $parts['path'] ) ) {
		$url .= rtrim( $parts['path'], '/' );
	}
	// esc_url_raw() is WordPress's own check of a URL for storage: anything it would change
	// (spaces, quotes, characters a URL cannot hold) is refused rather than silently altered.
	if ( esc_url_raw( $url, array( 'http', 'https' ) ) !== $url ) {
		return null;
	}
	return $url;
}

/**
 * A template as the widget reads it: one line of plain text (the widget shows it as text,
 * never as HTML, so tags and quotes are kept as typed), without control characters or
 * invalid UTF-8, at most $max characters.
 *
 * @param string $raw What was typed.
 * @param int    $max Longest kept, in characters.
 * @return string
 */
function text_line( $raw, $max ) {
	$text = wp_check_invalid_utf8( $raw, true );
	$text = preg_replace( '/[\x00-\x1F\x7F]+/u', ' ', $text );
	$text = trim( (string) $text );
	return mb_substr( $text, 0, $max );
}
