// svgo.config.mjs - SVGO 3 settings for UI icons.
export default {
  multipass: true,
  floatPrecision: 2,
  plugins: [
    {
      name: 'preset-default',
      params: {
        overrides: {
          // Icons must scale: never drop the viewBox.
          removeViewBox: false,
        },
      },
    },
    // Let CSS decide the rendered size.
    'removeDimensions',
    // Attributes that design tools add and nobody uses.
    { name: 'removeAttrs', params: { attrs: ['class', 'data-name'] } },
    // Unique ids per file, so inlined icons don't share gradient or mask ids.
    {
      name: 'prefixIds',
      params: { delim: '-', prefixIds: true, prefixClassNames: false },
    },
  ],
};
