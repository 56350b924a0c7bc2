// Passkeys page: once django-otp-webauthn's script has registered a new passkey, the page reloads to list it
// (with the message the server left).
"use strict";
document.addEventListener("otp_webauthn.register_complete", () => {
  window.location.reload();
});
