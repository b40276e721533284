<?php
/**
 * The settings page's live check of proof: does the server answer, and does it let this
 * site's pages in?
 *
 * It is asked from WordPress's side, with this site's origin in an Origin header, because
 * that is the question proof answers plainly: /healthz with an origin it does not allow is
 * a 403 whose JSON says "origin ... is not allowed", and with one it allows, a 200 that
 * names the origin in Access-Control-Allow-Origin. A browser asking the same thing from
 * this page would learn nothing: a refused origin and a server that is down are the same
 * opaque network error to a script. The browser gets its own, simpler question (can it
 * reach the address at all: a name only the server resolves, an https page calling http),
 * in assets/admin.js.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * @package proof
 */

namespace Proof\WordPress;

defined( 'ABSPATH' ) || exit;

/**
 * Asks proof's /healthz and reads the answer.
 *
 * @param string $server_url proof's address (normalised).
 * @param string $origin     This site's origin.
 * @return array<int, array{state: string, id: string, text: string}> What to show, one line each:
 *         state ok, warning or error.
 */
function check_server( $server_url, $origin ) {
	$lines = array();
	if ( 0 === strpos( $origin, 'https:' ) && 0 === strpos( $server_url, 'http:' ) ) {
		$lines[] = line(
			'error',
			'mixed',
			__( "This site is served over HTTPS and proof's address is plain HTTP: browsers block the widget on such pages. Give proof's HTTPS address.", 'proof' )
		);
	}
	$response = wp_remote_get(
		$server_url . '/healthz',
		array(
			'timeout'     => 3,
			'redirection' => 0,
			'headers'     => array( 'Origin' => $origin ),
		)
	);
	return array_merge( $lines, read_health( $response, $server_url, $origin ) );
}

/**
 * What an answer of /healthz says (apart from the request, to be read on its own).
 *
 * @param array|\WP_Error $response   wp_remote_get()'s result.
 * @param string          $server_url proof's address.
 * @param string          $origin     This site's origin, sent as Origin.
 * @return array<int, array{state: string, id: string, text: string}>
 */
function read_health( $response, $server_url, $origin ) {
	if ( is_wp_error( $response ) ) {
		return array(
			line(
				'error',
				'health',
				/* translators: 1: proof's address, 2: the error WordPress's HTTP client reported */
				sprintf( __( 'proof did not answer at %1$s: %2$s', 'proof' ), $server_url, $response->get_error_message() )
			),
		);
	}
	$status = (int) wp_remote_retrieve_response_code( $response );
	$body   = json_decode( wp_remote_retrieve_body( $response ), true );
	$allow  = (string) wp_remote_retrieve_header( $response, 'access-control-allow-origin' );
	$error  = is_array( $body ) && isset( $body['error'] ) && is_string( $body['error'] ) ? $body['error'] : '';

	if ( 403 === $status && false !== strpos( $error, 'is not allowed' ) ) {
		return array(
			line( 'ok', 'health', sprintf( /* translators: %s: proof's address */ __( 'proof answered at %s.', 'proof' ), $server_url ) ),
			line(
				'error',
				'origin',
				sprintf(
					/* translators: 1: this site's origin, 2: the line for proof's configuration file, 3: the command-line flag */
					__( 'proof refuses this site\'s origin %1$s, so no card can show here. Add it to proof: %2$s in /etc/proof/proof.conf (or %3$s), then restart proof.', 'proof' ),
					$origin,
					'allowed-origin = ["' . $origin . '"]',
					'--allowed-origin ' . $origin
				)
			),
		);
	}
	$healthy  = 200 === $status && is_array( $body ) && isset( $body['status'] ) && 'ok' === $body['status'];
	$degraded = 503 === $status && is_array( $body ) && isset( $body['status'] ) && 'degraded' === $body['status'];
	if ( ! $healthy && ! $degraded ) {
		return array(
			line(
				'error',
				'health',
				/* translators: 1: proof's address, 2: HTTP status code */
				sprintf( __( 'Something answered at %1$s/healthz with HTTP %2$d, but not as proof does. Is this the address of your proof server?', 'proof' ), $server_url, $status )
			),
		);
	}
	$lines = array();
	if ( $healthy ) {
		$lines[] = line( 'ok', 'health', sprintf( /* translators: %s: proof's address */ __( 'proof answered at %s: ready.', 'proof' ), $server_url ) );
	} else {
		$reason  = isset( $body['reason'] ) && is_string( $body['reason'] ) ? $body['reason'] : '';
		$lines[] = line(
			'warning',
			'health',
			/* translators: 1: proof's address, 2: the reason proof gave */
			sprintf( __( 'proof answered at %1$s, but it is degraded (%2$s): it shows no new cards until that is fixed.', 'proof' ), $server_url, $reason )
		);
	}
	// No Access-Control-Allow-Origin on an answer is proof's way of saying "same origin"
	// (proof behind this site's own address): allowed too.
	if ( '' === $allow || strtolower( $allow ) === strtolower( $origin ) || '*' === $allow ) {
		$lines[] = line( 'ok', 'origin', sprintf( /* translators: %s: this site's origin */ __( "This site's origin %s is allowed.", 'proof' ), $origin ) );
	} else {
		$lines[] = line(
			'error',
			'origin',
			/* translators: 1: the origin proof named, 2: this site's origin */
			sprintf( __( 'proof allowed %1$s, not this site\'s origin %2$s.', 'proof' ), $allow, $origin )
		);
	}
	return $lines;
}

/**
 * One line of the check.
 *
 * @param string $state ok, warning or error.
 * @param string $id    What it is about (health, origin, mixed), for the page's markup.
 * @param string $text  The sentence.
 * @return array{state: string, id: string, text: string}
 */
function line( $state, $id, $text ) {
	return array(
		'state' => $state,
		'id'    => $id,
		'text'  => $text,
	);
}
