<?php
/**
 * The widget's tag on the front end: proof.js from the operator's proof server, deferred
 * at the end of the page (it never holds up the page's own rendering), with the settings
 * as the data-* attributes the widget reads.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * @package proof
 */

namespace Proof\WordPress;

defined( 'ABSPATH' ) || exit;

/** The script handle (WordPress prints it as id="proof-widget-js"). */
const HANDLE = 'proof-widget';

/**
 * wp_enqueue_scripts: the tag on every front-end page, when a server is set.
 * WordPress 6.3 has a loading strategy ('strategy' => 'defer'); 6.1 and 6.2 know only the
 * boolean "in the footer", and filter_tag() adds the defer attribute there.
 */
function enqueue_tag() {
	if ( is_admin() ) {
		return;
	}
	$settings = settings();
	if ( '' === $settings['server_url'] ) {
		return;
	}
	$in_footer = version_compare( get_bloginfo( 'version' ), '6.3', '>=' )
		? array(
			'in_footer' => true,
			'strategy'  => 'defer',
		)
		: true;
	// No version: the URL is exactly <server>/proof.js, the file proof serves and caches.
	wp_enqueue_script( HANDLE, $settings['server_url'] . '/proof.js', array(), null, $in_footer ); // phpcs:ignore WordPress.WP.EnqueuedResourceParameters.MissingVersion
}

/**
 * The data-* attributes of the tag, from the settings. Only what the operator set is
 * given, so the widget's defaults apply to the rest.
 *
 * @param array<string, mixed> $settings       The settings.
 * @param bool                 $order_received Whether this is WooCommerce's order-received page.
 * @return array<string, string> Attribute name => value (not yet escaped).
 */
function tag_attributes( array $settings, $order_received ) {
	$attributes = array( 'data-position' => 'left' === $settings['position'] ? 'left' : 'right' );
	if ( '' !== $settings['template_signup'] ) {
		$attributes['data-template-signup'] = $settings['template_signup'];
		// The same sentence under the older name: a proof server from before kinds of
		// events reads only data-template, and it is the signup one in both.
		$attributes['data-template'] = $settings['template_signup'];
	}
	if ( '' !== $settings['template_purchase'] ) {
		$attributes['data-template-purchase'] = $settings['template_purchase'];
	}
	if ( '' !== $settings['locale'] ) {
		$attributes['data-locale'] = $settings['locale'];
	}
	if ( '' !== $settings['max_cards'] ) {
		$attributes['data-max-cards'] = $settings['max_cards'];
	}
	if ( '' !== $settings['channel'] ) {
		$attributes['data-channel'] = $settings['channel'];
	}
	if ( $order_received && ! empty( $settings['goal_order_received'] ) ) {
		$attributes['data-goal'] = 'purchase';
	}
	return $attributes;
}

/**
 * Whether this page is WooCommerce's "order received" (thank-you) page.
 *
 * @return bool
 */
function is_order_received() {
	return function_exists( 'is_wc_endpoint_url' ) && is_wc_endpoint_url( 'order-received' );
}

/**
 * script_loader_tag: defer and the data-* attributes on proof's own <script> (and nothing
 * else's). Found by its id, since an inline script another plugin adds before it comes in
 * the same string.
 *
 * @param string $tag    The HTML WordPress is about to print.
 * @param string $handle The script's handle.
 * @return string
 */
function filter_tag( $tag, $handle ) {
	if ( HANDLE !== $handle ) {
		return $tag;
	}
	/**
	 * Filters the data-* attributes of proof's tag, e.g. to add data-delay or
	 * data-hide-on-mobile (the README's widget section lists them). Names other than
	 * data-[a-z0-9-]+ are dropped; values are escaped when printed.
	 *
	 * @param array<string, string> $attributes Attribute name => value.
	 */
	$attributes = apply_filters( 'proof_tag_attributes', tag_attributes( settings(), is_order_received() ) );
	$html       = '';
	foreach ( (array) $attributes as $name => $value ) {
		if ( is_string( $name ) && preg_match( '/^data-[a-z0-9-]+$/', $name ) && is_scalar( $value ) ) {
			$html .= ' ' . $name . '="' . esc_attr( (string) $value ) . '"';
		}
	}
	$id = preg_quote( HANDLE . '-js', '/' );
	return (string) preg_replace_callback(
		'/<script\b([^>]*\bid=([\'"])' . $id . '\2[^>]*)>/i',
		function ( $match ) use ( $html ) {
			$defer = preg_match( '/\sdefer(?=[\s=>\/]|$)/i', $match[1] ) ? '' : ' defer';
			return '<script' . $defer . $html . $match[1] . '>';
		},
		$tag,
		1
	);
}
