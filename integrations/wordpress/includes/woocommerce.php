<?php
/**
 * WooCommerce orders as verified purchases: the three webhooks proof reads (Order created,
 * Order updated, Order deleted), made through WooCommerce's own webhook API (WC_Webhook,
 * the class its Settings > Advanced > Webhooks screen uses), with one new secret that the
 * settings page shows once for the operator to give proof.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * @package proof
 */

namespace Proof\WordPress;

defined( 'ABSPATH' ) || exit;

/** The ids of the webhooks this plugin made, so that uninstall.php can remove them. */
const WEBHOOKS_OPTION = 'proof_woocommerce_webhooks';

/** Prefix of the transient that holds a new secret until the page has shown it. */
const SECRET_TRANSIENT = 'proof_new_secret_';

/**
 * The topics proof reads, with the names WooCommerce's screen gives them.
 *
 * @return array<string, string>
 */
function webhook_topics() {
	return array(
		'order.created' => __( 'Order created', 'proof' ),
		'order.updated' => __( 'Order updated', 'proof' ),
		'order.deleted' => __( 'Order deleted', 'proof' ),
	);
}

/** @return bool Whether WooCommerce is active, with the webhook API this file uses. */
function woocommerce_active() {
	return class_exists( 'WooCommerce' ) && class_exists( 'WC_Webhook' ) && class_exists( 'WC_Data_Store' )
		&& function_exists( 'wc_get_webhook' );
}

/** @return bool Whether the current user may make webhooks here (and change this page). */
function can_manage_webhooks() {
	return current_user_can( 'manage_options' ) && current_user_can( 'manage_woocommerce' );
}

/**
 * WooCommerce's webhooks that deliver to proof: those this plugin made, and any other
 * whose delivery URL is proof's /hooks/woocommerce (made by hand from the steps).
 *
 * @param string $server_url proof's address.
 * @return array<int, \WC_Webhook>
 */
function proof_webhooks( $server_url ) {
	if ( ! woocommerce_active() ) {
		return array();
	}
	$ours  = array_map( 'intval', (array) get_option( WEBHOOKS_OPTION, array() ) );
	$found = array();
	foreach ( \WC_Data_Store::load( 'webhook' )->get_webhooks_ids() as $id ) {
		$webhook = wc_get_webhook( $id );
		if ( ! $webhook ) {
			continue;
		}
		$delivery = $webhook->get_delivery_url();
		$to_proof = '' !== $server_url && 0 === strpos( $delivery, $server_url . '/hooks/woocommerce' );
		if ( $to_proof || in_array( (int) $webhook->get_id(), $ours, true ) ) {
			$found[] = $webhook;
		}
	}
	return $found;
}

/**
 * admin-post.php?action=proof_create_webhooks: replaces proof's webhooks by three new ones
 * sharing one new secret, then back to the settings page, which shows the secret once.
 */
function handle_create_webhooks() {
	if ( ! can_manage_webhooks() ) {
		wp_die( esc_html__( 'You may not manage WooCommerce webhooks here.', 'proof' ), '', array( 'response' => 403 ) );
	}
	check_admin_referer( 'proof_create_webhooks' );
	$settings = settings();
	$url      = webhook_url( $settings );
	if ( ! woocommerce_active() || '' === $url ) {
		wp_safe_redirect( settings_page_url( array( 'proof-webhooks' => 'unavailable' ) ) );
		exit;
	}

	// The old ones go first: two sets would deliver every order twice, and one signs with
	// a secret that is about to be replaced.
	foreach ( proof_webhooks( $settings['server_url'] ) as $old ) {
		$old->delete( true );
	}

	// Letters and digits only: WooCommerce decodes HTML entities in a secret before
	// signing, and such a secret reads the same in a config file, a shell and an e-mail.
	$secret  = wp_generate_password( 40, false, false );
	$ids     = array();
	$results = array();
	foreach ( webhook_topics() as $topic => $label ) {
		$webhook = new \WC_Webhook();
		/* translators: %s: the webhook's topic as WooCommerce names it, e.g. Order created */
		$webhook->set_name( sprintf( __( 'proof: %s', 'proof' ), $label ) );
		$webhook->set_user_id( get_current_user_id() );
		$webhook->set_topic( $topic );
		$webhook->set_delivery_url( $url );
		$webhook->set_secret( $secret );
		$webhook->set_api_version( 'wp_api_v3' );
		$webhook->set_status( 'active' );
		$id = (int) $webhook->save();
		if ( $id <= 0 || $webhook->get_topic() !== $topic ) {
			$results[ $topic ] = __( 'WooCommerce did not create this webhook.', 'proof' );
			continue;
		}
		$ids[] = $id;
		// What WooCommerce's own screen does when a webhook becomes active: an unsigned
		// ping, which proof answers 200 once it has a WooCommerce secret (404 before).
		$ping              = $webhook->deliver_ping();
		$results[ $topic ] = is_wp_error( $ping ) ? $ping->get_error_message() : '';
	}
	update_option( WEBHOOKS_OPTION, $ids, false );
	set_transient(
		SECRET_TRANSIENT . get_current_user_id(),
		array(
			'secret'  => $secret,
			'url'     => $url,
			'results' => $results,
		),
		10 * MINUTE_IN_SECONDS
	);
	wp_safe_redirect( settings_page_url( array( 'proof-webhooks' => 'created' ) ) . '#proof-woocommerce' );
	exit;
}

/**
 * The secret just made, for this user, once: reading it deletes it.
 *
 * @return array{secret: string, url: string, results: array<string, string>}|null
 */
function take_new_secret() {
	$key   = SECRET_TRANSIENT . get_current_user_id();
	$value = get_transient( $key );
	delete_transient( $key );
	return is_array( $value ) && isset( $value['secret'], $value['url'], $value['results'] ) ? $value : null;
}

/**
 * Whether WordPress would deliver to this URL at all: WooCommerce sends with
 * wp_safe_remote_request(), which refuses private addresses and ports other than 80, 443
 * and 8080 (unless a filter allows them).
 *
 * @param string $url The delivery URL.
 * @return bool
 */
function deliverable( $url ) {
	return false !== wp_http_validate_url( $url );
}
