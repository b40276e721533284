<?php
/**
 * Settings > proof: the form (WordPress's Settings API, so options.php checks the nonce
 * and the capability and runs sanitize_settings()), the live check of the server, and the
 * WooCommerce section. Everything printed here is escaped where it is printed, stored
 * values included.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * @package proof
 */

namespace Proof\WordPress;

defined( 'ABSPATH' ) || exit;

/** The page's slug: options-general.php?page=proof. */
const PAGE = 'proof';

/** admin_init: the option, its sanitizer, and the form's sections and fields. */
function register_settings() {
	register_setting(
		GROUP,
		OPTION,
		array(
			'type'              => 'array',
			'sanitize_callback' => __NAMESPACE__ . '\\sanitize_settings',
			'default'           => defaults(),
			'show_in_rest'      => false,
		)
	);

	add_settings_section( 'proof_server', __( 'Server', 'proof' ), __NAMESPACE__ . '\\render_server_section', PAGE );
	add_settings_field(
		'proof_server_url',
		__( "proof's address", 'proof' ),
		__NAMESPACE__ . '\\render_server_url_field',
		PAGE,
		'proof_server',
		array( 'label_for' => 'proof_server_url' )
	);
	add_settings_field(
		'proof_channel',
		__( 'Channel', 'proof' ),
		__NAMESPACE__ . '\\render_text_field',
		PAGE,
		'proof_server',
		array(
			'label_for'   => 'proof_channel',
			'key'         => 'channel',
			'class_name'  => 'regular-text code',
			'description' => __( 'Optional: only cards posted with this channel (and those without one) show on this site. 1 to 64 of a-z, 0-9, _ and -.', 'proof' ),
		)
	);

	add_settings_section( 'proof_cards', __( 'Cards', 'proof' ), '__return_null', PAGE );
	add_settings_field(
		'proof_position',
		__( 'Position', 'proof' ),
		__NAMESPACE__ . '\\render_position_field',
		PAGE,
		'proof_cards',
		array( 'label_for' => 'proof_position' )
	);
	add_settings_field(
		'proof_template_signup',
		__( 'Sentence for a signup', 'proof' ),
		__NAMESPACE__ . '\\render_text_field',
		PAGE,
		'proof_cards',
		array(
			'label_for'   => 'proof_template_signup',
			'key'         => 'template_signup',
			'class_name'  => 'large-text',
			'placeholder' => '{user_name}[ from {city}] just signed up with {offer_name}!',
			'description' => __( 'Fields in braces are filled in; a part in [brackets] vanishes when its field is empty. Empty: the widget\'s own sentence, in the chosen language.', 'proof' ),
		)
	);
	add_settings_field(
		'proof_template_purchase',
		__( 'Sentence for a purchase', 'proof' ),
		__NAMESPACE__ . '\\render_text_field',
		PAGE,
		'proof_cards',
		array(
			'label_for'   => 'proof_template_purchase',
			'key'         => 'template_purchase',
			'class_name'  => 'large-text',
			'placeholder' => '{user_name}[ from {city}] just bought {offer_name}',
			'description' => __( 'For verified purchases (WooCommerce, Stripe, Shopify...) and signups posted as purchases.', 'proof' ),
		)
	);
	add_settings_field(
		'proof_locale',
		__( 'Language', 'proof' ),
		__NAMESPACE__ . '\\render_text_field',
		PAGE,
		'proof_cards',
		array(
			'label_for'   => 'proof_locale',
			'key'         => 'locale',
			'class_name'  => 'small-text code',
			'placeholder' => 'en',
			'description' => sprintf(
				/* translators: %s: this site's language as a language tag, e.g. de-DE */
				__( 'A language tag such as de or pt-BR, for the cards\' words and "4 minutes ago". Empty: English. This site\'s language is %s.', 'proof' ),
				str_replace( '_', '-', get_locale() )
			),
		)
	);
	add_settings_field(
		'proof_max_cards',
		__( 'Cards per page', 'proof' ),
		__NAMESPACE__ . '\\render_text_field',
		PAGE,
		'proof_cards',
		array(
			'label_for'   => 'proof_max_cards',
			'key'         => 'max_cards',
			'class_name'  => 'small-text',
			'type'        => 'number',
			'description' => __( 'At most this many cards in one page view. Empty: no limit.', 'proof' ),
		)
	);
	if ( woocommerce_active() ) {
		add_settings_field(
			'proof_goal_order_received',
			__( 'Purchase goal', 'proof' ),
			__NAMESPACE__ . '\\render_goal_field',
			PAGE,
			'proof_cards',
			array( 'label_for' => 'proof_goal_order_received' )
		);
	}
}

/** admin_menu: Settings > proof. */
function add_settings_page() {
	add_options_page( __( 'proof', 'proof' ), __( 'proof', 'proof' ), 'manage_options', PAGE, __NAMESPACE__ . '\\render_page' );
}

/**
 * The plugin list's "Settings" link.
 *
 * @param array<int|string, string> $links The row's links.
 * @return array<int|string, string>
 */
function add_settings_link( $links ) {
	array_unshift( $links, '<a href="' . esc_url( settings_page_url() ) . '">' . esc_html__( 'Settings', 'proof' ) . '</a>' );
	return $links;
}

/**
 * The settings page's URL.
 *
 * @param array<string, string> $query Extra query arguments.
 * @return string
 */
function settings_page_url( array $query = array() ) {
	return add_query_arg( array_merge( array( 'page' => PAGE ), $query ), admin_url( 'options-general.php' ) );
}

/**
 * admin_enqueue_scripts: the browser's half of the check, on this page only.
 *
 * @param string $hook_suffix The admin page being shown.
 */
function enqueue_admin_script( $hook_suffix ) {
	if ( 'settings_page_' . PAGE !== $hook_suffix ) {
		return;
	}
	wp_enqueue_script( 'proof-admin', plugins_url( 'assets/admin.js', __DIR__ ), array(), VERSION, true );
}

/** The page. */
function render_page() {
	if ( ! current_user_can( 'manage_options' ) ) {
		return;
	}
	$settings = settings();
	?>
	<div class="wrap">
		<h1><?php echo esc_html( get_admin_page_title() ); ?></h1>
		<p><?php esc_html_e( 'proof shows your visitors short cards when someone signs up or buys: "Jane D. from Leeds just bought Blue mug". The cards come from your own proof server; this page puts its tag on every page of this site and connects WooCommerce to it.', 'proof' ); ?></p>
		<?php
		// No settings_errors() here: for a page under Settings, WordPress's options-head.php
		// shows them (and "Settings saved.") already.
		if ( '' !== $settings['server_url'] ) {
			render_check( $settings['server_url'] );
		}
		?>
		<form method="post" action="<?php echo esc_url( admin_url( 'options.php' ) ); ?>">
			<?php
			settings_fields( GROUP );
			do_settings_sections( PAGE );
			submit_button();
			?>
		</form>
		<?php render_woocommerce_section( $settings ); ?>
	</div>
	<?php
}

/**
 * The live check: WordPress's side (check_server()) at once, the browser's by admin.js.
 *
 * @param string $server_url proof's address.
 */
function render_check( $server_url ) {
	$lines = check_server( $server_url, site_origin() );
	$icons = array(
		'ok'      => 'dashicons-yes-alt',
		'warning' => 'dashicons-warning',
		'error'   => 'dashicons-dismiss',
	);
	$worst = 'ok';
	foreach ( $lines as $line ) {
		if ( 'error' === $line['state'] || ( 'warning' === $line['state'] && 'ok' === $worst ) ) {
			$worst = $line['state'];
		}
	}
	$notice = array(
		'ok'      => 'notice-success',
		'warning' => 'notice-warning',
		'error'   => 'notice-error',
	);
	?>
	<div class="notice inline <?php echo esc_attr( $notice[ $worst ] ); ?>">
		<p><strong><?php esc_html_e( 'Checked just now:', 'proof' ); ?></strong></p>
		<ul id="proof-check" data-state="<?php echo esc_attr( $worst ); ?>">
			<?php foreach ( $lines as $line ) : ?>
				<li data-check="<?php echo esc_attr( $line['id'] ); ?>" data-state="<?php echo esc_attr( $line['state'] ); ?>">
					<span class="dashicons <?php echo esc_attr( $icons[ $line['state'] ] ); ?>" aria-hidden="true"></span>
					<?php echo esc_html( $line['text'] ); ?>
				</li>
			<?php endforeach; ?>
			<li id="proof-browser-check" data-check="browser" data-state="pending"
				data-url="<?php echo esc_url( $server_url . '/healthz' ); ?>"
				data-ok="<?php esc_attr_e( 'Your browser reached proof from this page.', 'proof' ); ?>"
				data-error="<?php esc_attr_e( 'Your browser could not reach proof from this page: its name may resolve only on the server, a firewall may be in the way, or an HTTPS page is calling HTTP. Visitors would not see cards either.', 'proof' ); ?>">
				<span class="dashicons dashicons-update" aria-hidden="true"></span>
				<span class="proof-browser-text"><?php esc_html_e( 'Asking from your browser...', 'proof' ); ?></span>
			</li>
		</ul>
		<p><a href="<?php echo esc_url( settings_page_url() ); ?>"><?php esc_html_e( 'Check again', 'proof' ); ?></a></p>
	</div>
	<?php
}

/** The Server section's introduction: the origin proof must allow. */
function render_server_section() {
	$origin = site_origin();
	?>
	<p>
		<?php
		printf(
			/* translators: 1: this site's origin, 2: proof's configuration line, 3: the flag */
			esc_html__( 'proof serves cards only to the sites it allows. This site\'s origin is %1$s: allow it with %2$s in /etc/proof/proof.conf (or %3$s), then restart proof.', 'proof' ),
			'<code id="proof-origin">' . esc_html( $origin ) . '</code>',
			'<code>' . esc_html( 'allowed-origin = ["' . $origin . '"]' ) . '</code>',
			'<code>' . esc_html( '--allowed-origin ' . $origin ) . '</code>'
		);
		?>
	</p>
	<?php
}

/** proof's address. */
function render_server_url_field() {
	$settings = settings();
	?>
	<input type="url" id="proof_server_url" name="<?php echo esc_attr( OPTION . '[server_url]' ); ?>"
		value="<?php echo esc_attr( $settings['server_url'] ); ?>" class="regular-text code"
		placeholder="https://proof.example.com">
	<p class="description"><?php esc_html_e( 'Where your proof server answers (its public HTTPS address). Empty: no tag on the pages.', 'proof' ); ?></p>
	<?php
}

/**
 * A text field of the option.
 *
 * @param array<string, string> $args key, label_for, class_name, and optionally type,
 *                                    placeholder and description.
 */
function render_text_field( array $args ) {
	$settings = settings();
	$key      = $args['key'];
	?>
	<input type="<?php echo esc_attr( isset( $args['type'] ) ? $args['type'] : 'text' ); ?>"
		id="<?php echo esc_attr( $args['label_for'] ); ?>"
		name="<?php echo esc_attr( OPTION . '[' . $key . ']' ); ?>"
		value="<?php echo esc_attr( (string) $settings[ $key ] ); ?>"
		class="<?php echo esc_attr( $args['class_name'] ); ?>"
		<?php if ( isset( $args['type'] ) && 'number' === $args['type'] ) : ?>
			min="1" max="1000" step="1"
		<?php endif; ?>
		<?php if ( ! empty( $args['placeholder'] ) ) : ?>
			placeholder="<?php echo esc_attr( $args['placeholder'] ); ?>"
		<?php endif; ?>
	>
	<?php if ( ! empty( $args['description'] ) ) : ?>
		<p class="description"><?php echo esc_html( $args['description'] ); ?></p>
	<?php endif; ?>
	<?php
}

/** Right or left. */
function render_position_field() {
	$settings = settings();
	?>
	<select id="proof_position" name="<?php echo esc_attr( OPTION . '[position]' ); ?>">
		<option value="right" <?php selected( $settings['position'], 'right' ); ?>><?php esc_html_e( 'Bottom right', 'proof' ); ?></option>
		<option value="left" <?php selected( $settings['position'], 'left' ); ?>><?php esc_html_e( 'Bottom left', 'proof' ); ?></option>
	</select>
	<p class="description"><?php esc_html_e( 'On a desktop; on a phone cards come up from the bottom.', 'proof' ); ?></p>
	<?php
}

/** The order-received page as the purchase goal (WooCommerce only). */
function render_goal_field() {
	$settings = settings();
	?>
	<label for="proof_goal_order_received">
		<input type="checkbox" id="proof_goal_order_received" name="<?php echo esc_attr( OPTION . '[goal_order_received]' ); ?>"
			value="1" <?php checked( ! empty( $settings['goal_order_received'] ) ); ?>>
		<?php esc_html_e( 'Count WooCommerce\'s order-received page as a purchase (data-goal="purchase" on the tag there), for proof\'s measure of what the cards bring.', 'proof' ); ?>
	</label>
	<?php
}

/**
 * WooCommerce: the URL and the steps, or the button where WooCommerce is active.
 *
 * @param array<string, mixed> $settings The settings.
 */
function render_woocommerce_section( array $settings ) {
	$url    = webhook_url( $settings );
	$active = woocommerce_active();
	?>
	<h2 id="proof-woocommerce"><?php esc_html_e( 'WooCommerce: verified purchases', 'proof' ); ?></h2>
	<p><?php esc_html_e( 'WooCommerce can send each order to proof, signed with a secret that proof checks: paid orders become cards marked "Verified purchase", shown once, and taken back when an order is refunded, cancelled or deleted.', 'proof' ); ?></p>
	<?php if ( '' === $url ) : ?>
		<p><?php esc_html_e( "Save proof's address above first.", 'proof' ); ?></p>
		<?php
		return;
	endif;
	?>
	<p>
		<?php esc_html_e( 'Webhook URL:', 'proof' ); ?>
		<code id="proof-webhook-url"><?php echo esc_html( $url ); ?></code>
	</p>
	<?php
	if ( $active && ! deliverable( $url ) ) {
		?>
		<div class="notice notice-warning inline"><p>
			<?php esc_html_e( 'WordPress will not send webhooks to this address: it refuses private addresses and ports other than 80, 443 and 8080. Use proof\'s public HTTPS address.', 'proof' ); ?>
		</p></div>
		<?php
	}
	if ( $active && can_manage_webhooks() ) {
		render_webhooks( $settings, $url );
	}
	?>
	<details <?php echo $active ? '' : 'open'; ?>>
		<summary><?php echo $active ? esc_html__( 'Or make the webhooks by hand', 'proof' ) : esc_html__( 'Steps in WooCommerce', 'proof' ); ?></summary>
		<ol>
			<li><?php esc_html_e( 'WooCommerce > Settings > Advanced > Webhooks > Add webhook.', 'proof' ); ?></li>
			<li>
				<?php
				printf(
					/* translators: %s: the webhook URL */
					esc_html__( 'Status Active, topic Order created, delivery URL %s, API version WP REST API Integration v3, and a secret (type a long random one, or keep the one WooCommerce offers). Save.', 'proof' ),
					'<code>' . esc_html( $url ) . '</code>'
				);
				?>
			</li>
			<li><?php esc_html_e( 'Add two more the same way, with the same secret: topic Order updated, and topic Order deleted.', 'proof' ); ?></li>
			<li>
				<?php
				printf(
					/* translators: %s: the configuration line */
					esc_html__( 'Give proof the secret: %s in /etc/proof/proof.conf, then restart proof (sudo systemctl restart proof).', 'proof' ),
					'<code>woocommerce-secret = ["...the secret..."]</code>'
				);
				?>
			</li>
		</ol>
	</details>
	<?php
}

/**
 * The webhooks there are, the secret just made (once), and the button.
 *
 * @param array<string, mixed> $settings The settings.
 * @param string               $url      The webhook URL.
 */
function render_webhooks( array $settings, $url ) {
	$new      = take_new_secret();
	$existing = proof_webhooks( $settings['server_url'] );
	$topics   = webhook_topics();
	if ( $new ) {
		$config = 'woocommerce-secret = ["' . $new['secret'] . '"]';
		?>
		<div class="notice notice-success inline" id="proof-new-secret">
			<p><strong><?php esc_html_e( 'Webhooks made. Their secret, shown this once:', 'proof' ); ?></strong></p>
			<p><code id="proof-woocommerce-secret"><?php echo esc_html( $new['secret'] ); ?></code></p>
			<p>
				<?php
				printf(
					/* translators: 1: the configuration line */
					esc_html__( 'Give it to proof now: put %1$s in /etc/proof/proof.conf (if woocommerce-secret is there already, add this one to its list), then restart proof (sudo systemctl restart proof). Until proof has it, WooCommerce\'s deliveries are refused, and WooCommerce turns a webhook off after 5 failures in a row.', 'proof' ),
					'<code id="proof-woocommerce-config">' . esc_html( $config ) . '</code>'
				);
				?>
			</p>
			<ul id="proof-ping">
				<?php foreach ( $new['results'] as $topic => $result ) : ?>
					<li data-topic="<?php echo esc_attr( $topic ); ?>">
						<?php
						$label = isset( $topics[ $topic ] ) ? $topics[ $topic ] : $topic;
						if ( '' === $result ) {
							/* translators: %s: the webhook's topic, e.g. Order created */
							echo esc_html( sprintf( __( '%s: proof answered WooCommerce\'s test ping.', 'proof' ), $label ) );
						} else {
							/* translators: 1: the webhook's topic, 2: WooCommerce's message */
							echo esc_html( sprintf( __( '%1$s: %2$s (a 404 means proof has no WooCommerce secret yet: expected until you add the line above).', 'proof' ), $label, $result ) );
						}
						?>
					</li>
				<?php endforeach; ?>
			</ul>
		</div>
		<?php
	}
	if ( $existing ) {
		?>
		<table class="widefat striped" id="proof-webhooks">
			<thead><tr>
				<th><?php esc_html_e( 'Webhook', 'proof' ); ?></th>
				<th><?php esc_html_e( 'Topic', 'proof' ); ?></th>
				<th><?php esc_html_e( 'Status', 'proof' ); ?></th>
				<th><?php esc_html_e( 'Delivery URL', 'proof' ); ?></th>
			</tr></thead>
			<tbody>
			<?php foreach ( $existing as $webhook ) : ?>
				<tr>
					<td><?php echo esc_html( $webhook->get_name() ); ?></td>
					<td><?php echo esc_html( $webhook->get_topic() ); ?></td>
					<td><?php echo esc_html( $webhook->get_status() ); ?></td>
					<td><code><?php echo esc_html( $webhook->get_delivery_url() ); ?></code></td>
				</tr>
			<?php endforeach; ?>
			</tbody>
		</table>
		<?php
	}
	?>
	<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>">
		<input type="hidden" name="action" value="proof_create_webhooks">
		<?php wp_nonce_field( 'proof_create_webhooks' ); ?>
		<p>
			<?php
			submit_button(
				$existing
					/* translators: %d: how many webhooks there are */
					? sprintf( _n( 'Replace this webhook with new ones (new secret)', 'Replace these %d webhooks with new ones (new secret)', count( $existing ), 'proof' ), count( $existing ) )
					: __( 'Create the webhooks in WooCommerce', 'proof' ),
				'secondary',
				'proof-create-webhooks',
				false
			);
			?>
		</p>
		<p class="description">
			<?php esc_html_e( 'Makes three webhooks (Order created, Order updated, Order deleted) delivering to the URL above, with one new secret that this page shows once.', 'proof' ); ?>
		</p>
	</form>
	<?php
}
