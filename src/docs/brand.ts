/** The wordmark /docs shows in place of Swagger's, and its tab icon. */
export const OPSLINE_LOGO = `<svg xmlns="http://www.w3.org/2000/svg" width="180" height="40" viewBox="0 0 180 40">
<rect x="2" y="6" width="28" height="28" rx="6" fill="#0f766e"/>
<path d="M9 20h6l3-7 4 14 3-7h3" fill="none" stroke="#fff" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"/>
<text x="40" y="28" font-family="Helvetica, Arial, sans-serif" font-size="22" font-weight="700" fill="#ffffff">Opsline API</text>
</svg>`;

export const OPSLINE_ICON = `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#0f766e"/>
<path d="M5 16h6l3-8 5 16 3-8h5" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>
</svg>`;
