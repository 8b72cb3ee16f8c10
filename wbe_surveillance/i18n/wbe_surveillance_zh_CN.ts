<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>@default</name>
    <message>
        <source>Survey map (lab results → severity map)…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Run the quarterly survey: import the lab table, join to townships, classify and map</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>&amp;Wastewater drug surveillance</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Aggregate samples by township</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Joins sample points (as written by “Import lab results”) to township polygons and computes, for one compound, n_samples, n_detected, mean, median and max per township and round.

Every township appears once for every round in the samples; a township with no sample in a round gets n_samples = 0 and NULL statistics, so it shows as “no data” rather than as a low value. The output keeps the township layer's fields and adds round, compound and the statistics after them.

Non-detects enter the statistics through one substitution policy (default LOD/2); n_samples counts every sample, and n_detected the detected ones. Water and solids are never mixed: the sample type parameter chooses which samples count, and the others are counted in the log.

A point on a boundary between two townships goes to the township listed first. Points in no township go to UNMATCHED and are counted in the log. Samples are reprojected to the townships' CRS when the two differ.

A sewage sample stands for its upstream catchment, not only for the spot where it was taken.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Samples</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Townships</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Township name field</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Compound (name or abbreviation, in Chinese or English)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Round (empty: every round)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Sample types</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>All water (sewage, influent, surface water)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Wastewater only (sewage and influent)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Surface water only</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Solids (soil, sediment, sludge)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Township statistics</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Samples in no township</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Samples used</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The township layer “{layer}” is not a polygon layer.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The township layer “{layer}” has no field “{field}”.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Reading samples…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The samples layer “{layer}” has no sample of “{compound}”. Compounds present: {present}.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>No sample of “{compound}” in round “{round}”. Rounds present: {present}.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>{n} samples of {compound} are of another sample type and are left out: water and solids are never mixed.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>No sample of “{compound}” is of the chosen sample type.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>{n} non-detects have no detection limit and count as 0.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Joining samples to townships…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>{n} township polygons were invalid and were repaired before the join.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>{n} samples lie in no township; they are in the “Samples in no township” output.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Township “{name}” has no sample in round {round}: its statistics are NULL.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>{used} of {total} samples used ({compound}); {townships} townships × {rounds} rounds written.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Survey</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Maps and reports</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Hot spots and statistics</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Trends</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Consumption</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Field work</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Non-detects count as</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Zero</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Half the detection limit (LOD/2)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>LOD/√2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The detection limit (LOD)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Excluded</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>How a sample reported below the detection limit enters the statistics. The default, LOD/2, is the US CDC NWSS practice; EMCDDA data use zero. A non-detect whose lab gave no limit counts as 0 under the limit-based policies, and the log says how many.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The layer “{layer}” has no field {fields}. It needs the fields written by “Import lab results”: {needed}.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The threshold “{value}” is not a number.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The field “{field}” of “{layer}” has only {distinct} distinct values, fewer than the 3 a relative classification needs. Use fixed thresholds, or choose another field or round.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The field “{field}” of “{layer}” has no numeric value: nothing to classify.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Fixed thresholds need THRESHOLDS: the upper bounds of classes 1 and 2, for example 50,200.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The thresholds must rise: the first ({first}) must be below the second ({second}).</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Classify severity</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Adds the fields severity (1 general 一般, 2 fairly severe 较严重, 3 severe 严重) and severity_label (in the interface language) from a numeric field, and stores a red–orange–yellow style with the output, so it opens styled wherever it is opened.

Methods: natural breaks (exact Fisher-Jenks, no sampling), quantiles (terciles), fixed thresholds, and equal intervals. For fixed thresholds give THRESHOLDS, the upper bounds of classes 1 and 2 (for example 50,200 in ng/L).

A value ≤ BREAK_1 is general, ≤ BREAK_2 fairly severe, and above it severe. The breaks are returned as BREAK_1 and BREAK_2 and written into the legend. A feature with a NULL value gets NULL severity, never a class. Natural breaks, quantiles and equal intervals need at least 3 distinct values; with fewer, use fixed thresholds.

When the input holds several rounds, the breaks are computed on all of them pooled, which keeps classes comparable across rounds.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Input layer</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Value field</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Classification method</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Natural breaks (Jenks)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Quantiles</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Fixed thresholds</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Equal interval</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Fixed thresholds: upper bounds of classes 1 and 2</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>General ≤</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Fairly severe ≤</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Severity</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Upper bound of class 1 (general)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Upper bound of class 2 (fairly severe)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The layer “{layer}” has no field “{field}”.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>natural breaks (Jenks)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>quantiles</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>fixed thresholds</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>equal interval</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Breaks by {method} on “{field}”: general ≤ {b1} &lt; fairly severe ≤ {b2} &lt; severe.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Style stored in the GeoPackage as its default style.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Style stored in a .qml file beside the output.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Townships per class: severe {s}, fairly severe {f}, general {g}, no data {n}.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Export severity map</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Writes a finished map of a severity layer to PDF or PNG (the format follows the file extension): the title, the map with township names, the legend with the class breaks, a scale bar, a north arrow, the round and the date, and a source line.

The layer's own style is used; a layer with a severity field but another style gets the red–orange–yellow severity style. A layer in a geographic CRS is drawn in the UTM zone of its centre so that the scale bar reads in kilometres. Chinese text needs a CJK font such as Noto Sans CJK (Debian: fonts-noto-cjk).</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Severity layer</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Title</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Township label field (empty: guess)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Source line</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Map file</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>PDF (*.pdf);;PNG image (*.png)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The map file “{path}” must end in .pdf or .png.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Wastewater drug survey: severity by township</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Round: {rounds}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Compound: {compounds}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Map date: {date}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Source: wastewater survey lab results, joined to township boundaries. A sewage sample stands for its upstream catchment. Made with QGIS and wbe_surveillance.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The map could not be written to “{path}”. {error}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Map written to {path}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Import lab results</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Reads a lab's results table (CSV in UTF-8 or GBK, XLSX or ODS) in long layout, one row per sample × compound, and writes one point per row.

Headers may be in Chinese or English (采样点/site, 经度/lon, 纬度/lat, 采样日期/date, 轮次/round, 目标物/compound, 浓度/concentration, 单位/unit, 检出限/LOD, 样品类型/medium, 乡镇/township). A unit in a header such as 浓度(μg/L) counts. Compound names and abbreviations in either language map to one canonical id (甲基苯丙胺, 冰毒 and METH → methamphetamine).

Concentrations are normalised to ng/L for water and ng/g for solids. Non-detects such as &lt;LOD, &lt;0.5, ND and 未检出 are kept with detected = false, concentration NULL and the limit in lod when the lab gave one; an empty cell means missing. The round comes from a round column, or else from the sampling date's quarter (2024Q3).

DATUM says which datum the coordinates are in: WGS84, CGCS2000, or the Chinese web-map datums GCJ-02 and BD-09, which are converted to WGS84 (phone map apps record these; they are offset by 300–700 m).

Every row not imported goes to REJECTED with its spreadsheet row number (the header is row 1) and the reason. ROWS_READ = ROWS_IMPORTED + ROWS_REJECTED always.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Lab results table</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Lab tables (*.csv *.txt *.xlsx *.xls *.ods);;All files (*.*)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Coordinates are in</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>WGS84 (GPS)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>CGCS2000</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>GCJ-02 (Gaode/Tencent maps)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>BD-09 (Baidu maps)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Duplicate rows (same site, date, sample type and compound)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Reject every copy</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Keep the first, reject the rest</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Extra compound name table (CSV with columns canonical, alias)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Column holding the {role} (empty: detect from the header)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Rejected rows</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Rows read</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Rows imported</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Rows rejected</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Read “{file}” ({described}): {n} lines including the header.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Columns used: {columns}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Row {row} not imported: {reason}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Compound “{name}” is not in the name table; kept as written ({n} rows).</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Sample type “{name}” is not known; kept as written, its kind taken from the unit ({n} rows).</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>{n} rows give no unit: ng/L assumed for water and ng/g for solids.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>{n} rows give no sample type: sewage assumed.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Coordinates converted from {datum} to WGS84.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Rows read: {read}; imported: {ok}; rejected: {bad}.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>site</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>sample id</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>longitude</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>latitude</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>sampling date</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>round</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>compound</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>concentration</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>unit</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>detection limit</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>township</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>sample type</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>blank row</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>no site in column “{column}”</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>no compound in column “{column}”</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>empty concentration in column “{column}” (an empty cell is missing, not zero)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>concentration “{value}” in column “{column}” is not a number or a non-detect</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>negative concentration “{value}” in column “{column}”</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>missing or out-of-range coordinates (longitude −180…180, latitude −90…90)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>coordinates outside China, where GCJ-02 and BD-09 do not apply</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>date “{value}” in column “{column}” is not a date</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>date “{value}” in column “{column}” is in the future</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>no sampling date or round, so the row belongs to no round</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>round “{value}” in column “{column}” is not a quarter such as 2024Q3</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>unknown unit “{value}” in column “{column}”</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>a water unit for a solid sample, or a solid unit for a water sample (column “{column}”)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>duplicate: the same site, date, sample type and compound appear in another row</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The lab file “{path}” is empty: it has no header row.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The lab file “{path}” has a header but no data rows.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The lab file “{path}” lacks a required column: {missing}. Columns found: {found}. Rename the column (for example 采样点/site, 经度/lon, 纬度/lat, 采样日期/date, 目标物/compound, 浓度/concentration) or name it explicitly in the advanced parameters.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The lab file “{path}” has no column “{column}”, given for the {role}.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Wastewater drug surveillance</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>General</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Fairly severe</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Severe</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>No data</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Saved by wbe_surveillance</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Survey map (lab results → severity map)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The quarterly routine in one run: imports the lab table, joins the samples of one compound to the townships, classifies the townships into severe (严重), fairly severe (较严重) and general (一般), and writes a styled layer and a map.

ROUND chooses the round; empty means the latest round that has samples of the compound. The township value is the mean, median or maximum of the round's samples (non-detects per the chosen policy). The classification methods and THRESHOLDS are those of “Classify severity”. MAP is optional: a .pdf or .png path.

Rows the import rejected and samples in no township are written to their own outputs and counted in the log and the results.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Round (empty: the latest)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Township value</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Mean</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Median</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Maximum</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Map title</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Severity by township</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Map (PDF or PNG)</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Round mapped</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Importing lab results…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Latest round with samples of {compound}: {round}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Classifying townships…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Drawing the map…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Wastewater drug survey {round}: {compound}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The lab table has no sample of “{compound}” of the chosen sample type.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The lab file “{path}” does not exist.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>encoding {encoding}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The lab file “{path}” is neither UTF-8 nor GBK/GB18030 text. Save it from Excel as CSV (UTF-8) or as XLSX.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The lab file “{path}” cannot be read as a spreadsheet: {error}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The lab file “{path}” has no sheet with data.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>sheet “{sheet}”</source>
        <translation type="unfinished" />
    </message>
</context>
</TS>