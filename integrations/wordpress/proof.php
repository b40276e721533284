<?php
/**
 * Plugin Name:       proof
 * Description:       Shows your visitors that others just signed up or bought: cards from your own proof server, on every page, and WooCommerce orders as verified purchases.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      7.4
 * Author:            the proof contributors
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       proof
 *
 * The plugin's entry point: it only wires the parts in includes/ to WordPress's hooks, so
 * that what each part does can be read apart from when WordPress calls it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * @package proof
 */

namespace Proof\WordPress;

defined( 'ABSPATH' ) || exit;

const VERSION = '0.1.0';

require_once __DIR__ . '/includes/settings.php';
require_once __DIR__ . '/includes/tag.php';
require_once __DIR__ . '/includes/check.php';
require_once __DIR__ . '/includes/woocommerce.php';
require_once __DIR__ . '/includes/admin.php';

// The option exists from activation on, so that the first save updates it: WordPress
// sanitizes a value twice when a save has to create the option, and would show each
// complaint about it twice.
register_activation_hook( __FILE__, __NAMESPACE__ . '\\create_option' );

// The widget's tag, on the front end only (wp_enqueue_scripts never runs in wp-admin).
add_action( 'wp_enqueue_scripts', __NAMESPACE__ . '\\enqueue_tag' );
add_filter( 'script_loader_tag', __NAMESPACE__ . '\\filter_tag', 10, 2 );

if ( is_admin() ) {
	add_action( 'admin_init', __NAMESPACE__ . '\\register_settings' );
	add_action( 'admin_menu', __NAMESPACE__ . '\\add_settings_page' );
	add_action( 'admin_enqueue_scripts', __NAMESPACE__ . '\\enqueue_admin_script' );
	add_action( 'admin_post_proof_create_webhooks', __NAMESPACE__ . '\\handle_create_webhooks' );
	add_filter( 'plugin_action_links_' . plugin_basename( __FILE__ ), __NAMESPACE__ . '\\add_settings_link' );
}
