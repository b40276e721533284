<?php
/**
 * A stand-in for WooCommerce in the WordPress test (a must-use plugin of the test's own
 * site): WooCommerce is not packaged for Debian, so the plugin's webhook button meets this
 * instead. It offers only what proof's plugin calls, and behaves as WooCommerce documents
 * and its sources (includes/class-wc-webhook.php, includes/data-stores/
 * class-wc-webhook-data-store.php) do, written from reading them:
 *
 * - WC_Webhook's setters check as WooCommerce's do: an unknown topic becomes '', an unknown
 *   status 'disabled', the delivery URL goes through esc_url_raw() with http(s) only, an API
 *   version given as 'wp_api_v3' is stored as 3. save() returns the id; delete(true) removes.
 * - deliver_ping() posts "webhook_id=N" with wp_safe_remote_post(), unsigned, and is an
 *   error unless the answer is 200, as WooCommerce's.
 * - WC_Data_Store::load('webhook')->get_webhooks_ids(), wc_get_webhook(id),
 *   is_wc_endpoint_url('order-received') (here: the query has order-received), and the
 *   manage_woocommerce capability for administrators (WooCommerce's installer gives it).
 *
 * Webhooks are kept as JSON in the option woocommerce_stand_in_webhooks, for the test to
 * read from MariaDB. PROOF_TEST_SAFE_PORT (wp-config.php) is proof's port, added to
 * WordPress's safe ports as a shop's own filter would: the test's proof listens on a
 * loopback port where a real one answers on 443.
 *
 * @package proof
 */

defined( 'ABSPATH' ) || exit;

// phpcs:disable Generic.Files.OneObjectStructurePerFile

/** The marker proof's plugin looks for. */
class WooCommerce {}

/** A webhook, kept in one option. */
class WC_Webhook {
	/** @var int */
	private $id = 0;
	/** @var array<string, mixed> */
	private $data = array(
		'name'             => '',
		'status'           => 'disabled',
		'topic'            => '',
		'delivery_url'     => '',
		'secret'           => '',
		'user_id'          => 0,
		'api_version'      => 3,
		'pending_delivery' => false,
	);

	/** @param int $id A stored webhook's id, or 0 for a new one. */
	public function __construct( $id = 0 ) {
		$all = self::all();
		if ( $id && isset( $all[ $id ] ) ) {
			$this->id   = (int) $id;
			$this->data = $all[ $id ];
		}
	}

	/** @return array<int, array<string, mixed>> */
	public static function all() {
		$all = json_decode( (string) get_option( 'woocommerce_stand_in_webhooks', '{}' ), true );
		return is_array( $all ) ? $all : array();
	}

	/** @param array<int, array<string, mixed>> $all */
	private static function store( array $all ) {
		update_option( 'woocommerce_stand_in_webhooks', wp_json_encode( (object) $all ) );
	}

	public function get_id() {
		return $this->id;
	}
	public function get_name() {
		return $this->data['name'];
	}
	public function get_status() {
		return $this->data['status'];
	}
	public function get_topic() {
		return $this->data['topic'];
	}
	public function get_delivery_url() {
		return $this->data['delivery_url'];
	}
	public function get_secret() {
		return $this->data['secret'];
	}
	public function get_user_id() {
		return $this->data['user_id'];
	}
	public function get_api_version() {
		return $this->data['api_version'] > 0 ? 'wp_api_v' . $this->data['api_version'] : 'legacy_v3';
	}
	public function set_name( $name ) {
		$this->data['name'] = $name;
	}
	public function set_user_id( $user_id ) {
		$this->data['user_id'] = (int) $user_id;
	}
	public function set_secret( $secret ) {
		$this->data['secret'] = $secret;
	}
	public function set_pending_delivery( $pending ) {
		$this->data['pending_delivery'] = (bool) $pending;
	}
	public function set_status( $status ) {
		$this->data['status'] = in_array( $status, array( 'active', 'paused', 'disabled' ), true ) ? $status : 'disabled';
	}
	public function set_topic( $topic ) {
		$valid = preg_match( '/^(coupon|customer|order|product)\.(created|updated|deleted|restored)$/', (string) $topic )
			|| preg_match( '/^action\.[A-Za-z0-9_]+$/', (string) $topic );
		$this->data['topic'] = $valid ? $topic : '';
	}
	public function set_delivery_url( $url ) {
		$this->data['delivery_url'] = esc_url_raw( $url, array( 'http', 'https' ) );
	}
	public function set_api_version( $version ) {
		if ( ! is_numeric( $version ) ) {
			$version = 'legacy_v3' === $version ? -1 : (int) substr( (string) $version, -1 );
		}
		$this->data['api_version'] = (int) $version;
	}

	/** @return int The id. New webhooks are pending their first delivery, as WooCommerce's. */
	public function save() {
		$all = self::all();
		if ( ! $this->id ) {
			$this->id                       = $all ? max( array_keys( $all ) ) + 1 : 1;
			$this->data['pending_delivery'] = true;
		}
		$all[ $this->id ] = $this->data;
		self::store( $all );
		return $this->id;
	}

	/** @param bool $force_delete Whether to delete for good (WooCommerce has no trash for webhooks). */
	public function delete( $force_delete = false ) {
		$all = self::all();
		unset( $all[ $this->id ] );
		self::store( $all );
		$this->id = 0;
		return true;
	}

	/** @return true|WP_Error */
	public function deliver_ping() {
		$response = wp_safe_remote_post(
			$this->get_delivery_url(),
			array(
				'user-agent' => 'WooCommerce/stand-in Hookshot (WordPress/' . $GLOBALS['wp_version'] . ')',
				'body'       => 'webhook_id=' . $this->id,
			)
		);
		if ( is_wp_error( $response ) ) {
			return new WP_Error( 'error', 'Error: Delivery URL cannot be reached: ' . $response->get_error_message() );
		}
		$code = wp_remote_retrieve_response_code( $response );
		if ( 200 !== $code ) {
			return new WP_Error( 'error', 'Error: Delivery URL returned response code: ' . absint( $code ) );
		}
		$this->set_pending_delivery( false );
		$this->save();
		return true;
	}
}

/** WooCommerce's data store registry, with the one store used here. */
class WC_Data_Store {
	/** @param string $type The store ("webhook"). */
	public static function load( $type ) {
		return new class() {
			/** @return int[] */
			public function get_webhooks_ids() {
				return array_map( 'intval', array_keys( WC_Webhook::all() ) );
			}
		};
	}
}

/**
 * @param int $id A webhook's id.
 * @return WC_Webhook|null
 */
function wc_get_webhook( $id ) {
	$webhook = new WC_Webhook( $id );
	return $webhook->get_id() ? $webhook : null;
}

/**
 * @param string|false $endpoint The endpoint.
 * @return bool
 */
function is_wc_endpoint_url( $endpoint = false ) {
	return 'order-received' === $endpoint && isset( $_GET['order-received'] ); // phpcs:ignore WordPress.Security.NonceVerification.Recommended
}

add_filter(
	'user_has_cap',
	function ( $caps ) {
		if ( ! empty( $caps['manage_options'] ) ) {
			$caps['manage_woocommerce'] = true;
		}
		return $caps;
	}
);

if ( defined( 'PROOF_TEST_SAFE_PORT' ) ) {
	add_filter(
		'http_allowed_safe_ports',
		function ( $ports ) {
			$ports[] = (int) PROOF_TEST_SAFE_PORT;
			return $ports;
		}
	);
}
