<?php
/**
 * Parts of the plugin that the site test cannot reach, checked without a WordPress:
 * - the tag (includes/tag.php) against the tags WordPress versions print: Debian's 6.1 is
 *   the one the site test runs, and 6.3's loading strategy (which prints defer itself) can
 *   only be met here;
 * - the live check's reading of /healthz (includes/check.php) for the answers a test's
 *   proof does not give: degraded, something else at the address, no answer.
 * The few WordPress functions they call are small stand-ins below that do what
 * WordPress's own do for these inputs.
 *
 * php tests/wordpress/plugin_test.php   (exit 0 when every check holds)
 *
 * @package proof
 */

namespace {
	define( 'ABSPATH', __DIR__ . '/' );

	$GLOBALS['test_options'] = array();
	$GLOBALS['test_version'] = '6.1.9';
	$GLOBALS['test_enqueued'] = array();

	function get_option( $name, $fallback = false ) {
		return array_key_exists( $name, $GLOBALS['test_options'] ) ? $GLOBALS['test_options'][ $name ] : $fallback;
	}
	function get_bloginfo( $what ) {
		return 'version' === $what ? $GLOBALS['test_version'] : '';
	}
	function is_admin() {
		return false;
	}
	function apply_filters( $hook, $value ) {
		return $value;
	}
	function esc_attr( $text ) {
		return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' );
	}
	function wp_enqueue_script( $handle, $src, $deps, $ver, $args ) {
		$GLOBALS['test_enqueued'][] = array( $handle, $src, $ver, $args );
	}
	function __( $text ) {
		return $text;
	}
	class WP_Error {
		private $message;
		public function __construct( $code, $message ) {
			$this->message = $message;
		}
		public function get_error_message() {
			return $this->message;
		}
	}
	function is_wp_error( $thing ) {
		return $thing instanceof WP_Error;
	}
	// An answer as wp_remote_get() gives it: headers with lower-case names.
	function test_answer( $status, $body, array $headers = array() ) {
		return array(
			'response' => array( 'code' => $status ),
			'body'     => $body,
			'headers'  => $headers,
		);
	}
	function wp_remote_retrieve_response_code( $response ) {
		return $response['response']['code'];
	}
	function wp_remote_retrieve_body( $response ) {
		return $response['body'];
	}
	function wp_remote_retrieve_header( $response, $name ) {
		return isset( $response['headers'][ $name ] ) ? $response['headers'][ $name ] : '';
	}
}

namespace Proof\WordPress {
	require dirname( __DIR__, 2 ) . '/integrations/wordpress/includes/settings.php';
	require dirname( __DIR__, 2 ) . '/integrations/wordpress/includes/tag.php';
	require dirname( __DIR__, 2 ) . '/integrations/wordpress/includes/check.php';

	$failures = 0;
	$check    = function ( $name, $actual, $expected ) use ( &$failures ) {
		if ( $actual === $expected ) {
			echo "ok - $name\n";
			return;
		}
		++$failures;
		echo "not ok - $name\n  expected: " . var_export( $expected, true ) . "\n  actual:   " . var_export( $actual, true ) . "\n";
	};

	$GLOBALS['test_options'][ OPTION ] = array_merge(
		defaults(),
		array(
			'server_url'      => 'https://proof.example',
			'template_signup' => 'A "quote" <b> & $1 \\1 {user_name}',
			'channel'         => 'shop',
		)
	);
	$attributes = ' data-position="right" data-template-signup="A &quot;quote&quot; &lt;b&gt; &amp; $1 \\1 {user_name}"'
		. ' data-template="A &quot;quote&quot; &lt;b&gt; &amp; $1 \\1 {user_name}" data-channel="shop"';

	// WordPress 6.1 and 6.2: the boolean "in the footer", and a tag without defer.
	enqueue_tag();
	$check( '6.1: enqueued in the footer, no version', $GLOBALS['test_enqueued'][0], array( HANDLE, 'https://proof.example/proof.js', null, true ) );
	$check(
		'6.1: defer and the attributes added, values escaped, $1 and \\1 kept',
		filter_tag( "<script src='https://proof.example/proof.js' id='proof-widget-js'></script>\n", HANDLE ),
		"<script defer$attributes src='https://proof.example/proof.js' id='proof-widget-js'></script>\n"
	);

	// WordPress 6.3: the loading strategy; its tag has defer already.
	$GLOBALS['test_version']  = '6.3.0';
	$GLOBALS['test_enqueued'] = array();
	enqueue_tag();
	$check(
		'6.3: enqueued with the defer strategy',
		$GLOBALS['test_enqueued'][0][3],
		array(
			'in_footer' => true,
			'strategy'  => 'defer',
		)
	);
	$check(
		'6.3: one defer, the attributes added',
		filter_tag( '<script src="https://proof.example/proof.js" id="proof-widget-js" defer data-wp-strategy="defer"></script>' . "\n", HANDLE ),
		'<script' . $attributes . ' src="https://proof.example/proof.js" id="proof-widget-js" defer data-wp-strategy="defer"></script>' . "\n"
	);

	// Another plugin's inline script before proof's, in the same string: only proof's tag changes.
	$check(
		'an inline script before the tag is left alone',
		filter_tag( "<script id='proof-widget-js-before'>var x = 1;</script>\n<script src='https://proof.example/proof.js' id='proof-widget-js'></script>\n", HANDLE ),
		"<script id='proof-widget-js-before'>var x = 1;</script>\n<script defer$attributes src='https://proof.example/proof.js' id='proof-widget-js'></script>\n"
	);
	$check( "another handle's tag is left alone", filter_tag( "<script src='x.js' id='other-js'></script>", 'other' ), "<script src='x.js' id='other-js'></script>" );

	// No server: no tag.
	$GLOBALS['test_options'][ OPTION ]['server_url'] = '';
	$GLOBALS['test_enqueued']                      = array();
	enqueue_tag();
	$check( 'no server, no tag', $GLOBALS['test_enqueued'], array() );

	// The goal: only on the order-received page, only when chosen.
	$settings = array_merge( defaults(), array( 'goal_order_received' => true ) );
	$check( 'goal on order-received', tag_attributes( $settings, true )['data-goal'] ?? null, 'purchase' );
	$check( 'no goal elsewhere', isset( tag_attributes( $settings, false )['data-goal'] ), false );
	$check( 'no goal unless chosen', isset( tag_attributes( defaults(), true )['data-goal'] ), false );

	// The live check, from proof's answers to /healthz with this site's Origin.
	$site   = 'https://shop.example';
	$server = 'https://proof.example';
	$states = function ( array $lines ) {
		return array_map(
			function ( $line ) {
				return $line['id'] . ':' . $line['state'];
			},
			$lines
		);
	};
	$ok = test_answer( 200, "{\"status\":\"ok\"}\n", array( 'access-control-allow-origin' => $site ) );
	$check( 'ready and allowed', $states( read_health( $ok, $server, $site ) ), array( 'health:ok', 'origin:ok' ) );
	$same = test_answer( 200, "{\"status\":\"ok\"}\n" );
	$check( 'same origin (no Access-Control-Allow-Origin) is allowed', $states( read_health( $same, $server, $site ) ), array( 'health:ok', 'origin:ok' ) );
	$refused = test_answer( 403, '{"error":"origin https://shop.example is not allowed; the operator can add it with --allowed-origin"}' );
	$lines   = read_health( $refused, $server, $site );
	$check( 'refused: answered, origin not allowed', $states( $lines ), array( 'health:ok', 'origin:error' ) );
	$check( 'refused: says the line to add', false !== strpos( $lines[1]['text'], 'allowed-origin = ["https://shop.example"]' ), true );
	$degraded = test_answer( 503, '{"status":"degraded","reason":"redis unreachable"}', array( 'access-control-allow-origin' => $site ) );
	$lines    = read_health( $degraded, $server, $site );
	$check( 'degraded: a warning with the reason', $states( $lines ), array( 'health:warning', 'origin:ok' ) );
	$check( 'degraded: the reason is said', false !== strpos( $lines[0]['text'], 'redis unreachable' ), true );
	$other = test_answer( 200, '<html>a blog</html>' );
	$check( 'something else at the address', $states( read_health( $other, $server, $site ) ), array( 'health:error' ) );
	$down = new \WP_Error( 'http_request_failed', 'cURL error 7: Failed to connect' );
	$lines = read_health( $down, $server, $site );
	$check( 'no answer: an error with the reason', $states( $lines ), array( 'health:error' ) );
	$check( 'no answer: says why', false !== strpos( $lines[0]['text'], 'Failed to connect' ), true );

	exit( $failures > 0 ? 1 : 0 );
}
