// decode a data URL for the audio element
const m = /^data:audio\/([^;,]+);/i.exec(src);
const text = atob(encoded);
render(text);
