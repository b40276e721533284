<?php
/**
 * The test site's use of the plugin's proof_tag_attributes filter (a must-use plugin), as
 * its readme offers it for the widget's other options: shorter cards and cooldown, so the
 * test's second card comes sooner, and an attribute that is not data-*, which the plugin
 * must drop.
 *
 * @package proof
 */

defined( 'ABSPATH' ) || exit;

add_filter(
	'proof_tag_attributes',
	function ( $attributes ) {
		$attributes['data-duration'] = '1500';
		$attributes['data-cooldown'] = '200';
		$attributes['onload']        = 'window.__pwned = 2';
		return $attributes;
	}
);
