<?php
/**
 * Deleting the plugin (Plugins > Delete) leaves nothing of it behind: its options, the
 * one-time secrets not yet shown, and the WooCommerce webhooks it made (so that orders,
 * with the buyers' names and addresses in them, stop going to proof). On a multisite
 * network, on every site. Deactivating keeps everything.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * @package proof
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

/**
 * Removes what the plugin stored on the current site.
 */
function proof_uninstall_site() {
	global $wpdb;

	$webhooks = get_option( 'proof_woocommerce_webhooks', array() );
	if ( is_array( $webhooks ) && function_exists( 'wc_get_webhook' ) ) {
		foreach ( $webhooks as $id ) {
			$webhook = wc_get_webhook( (int) $id );
			if ( $webhook ) {
				$webhook->delete( true );
			}
		}
	}
	delete_option( 'proof_settings' );
	delete_option( 'proof_woocommerce_webhooks' );

	// One transient per user who made webhooks in the last ten minutes: their names hold a
	// user id, so they are found by prefix.
	$prefixes = array( '_transient_proof_new_secret_', '_transient_timeout_proof_new_secret_' );
	foreach ( $prefixes as $prefix ) {
		$wpdb->query( // phpcs:ignore WordPress.DB.DirectDatabaseQuery
			$wpdb->prepare( "DELETE FROM {$wpdb->options} WHERE option_name LIKE %s", $wpdb->esc_like( $prefix ) . '%' )
		);
	}
	wp_cache_delete( 'alloptions', 'options' );
}

if ( is_multisite() ) {
	$proof_sites = get_sites(
		array(
			'fields' => 'ids',
			'number' => 0,
		)
	);
	foreach ( $proof_sites as $proof_site_id ) {
		switch_to_blog( $proof_site_id );
		proof_uninstall_site();
		restore_current_blog();
	}
} else {
	proof_uninstall_site();
}
